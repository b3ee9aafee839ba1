/**
 * The barème of one rate year as the rules see it: plain values, no I/O. Built by pipelines/bareme from the
 * database (shipped reference/ files and imported annexes), or from the simulator's input.
 */
import type { Decimal } from './decimal.ts';

export const CTNS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'] as const;
export type Ctn = (typeof CTNS)[number];

export const CATEGORIES_IT = ['IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6'] as const;
export const CATEGORIES_IP = ['IP1', 'IP2', 'IP3', 'IP4'] as const;
export const GROUPES_BTP = ['BTP_GROS_OEUVRE', 'BTP_SECOND_OEUVRE', 'BTP_FONCTIONS_SUPPORT'] as const;
export type CategorieIT = (typeof CATEGORIES_IT)[number];
export type CategorieIP = (typeof CATEGORIES_IP)[number];
export type GroupeBtp = (typeof GROUPES_BTP)[number];
export type CategorieCout = CategorieIT | CategorieIP | GroupeBtp;

/** Table of coûts moyens: the CTN letter, or 'B-AM' for BTP in Alsace-Moselle (its own IP2–IP4). */
export type TableCouts = Ctn | 'B-AM';

/** The categories the annex gives for each table (CSS D.242-6-6; BTP: IP ≥ 10 % grouped by activity). */
export function categoriesAttendues(table: TableCouts): CategorieCout[] {
  if (table === 'B') return [...CATEGORIES_IT, 'IP1', ...GROUPES_BTP];
  if (table === 'B-AM') return ['IP2', 'IP3', 'IP4'];
  return [...CATEGORIES_IT, ...CATEGORIES_IP];
}

export type Particularite = '' | 'fsna' | 'd242-6-22';

export interface CodeRisque {
  code: string;
  ctn: Ctn | null;
  particularite: Particularite;
  libelle: string;
}

export interface TauxCollectif {
  taux: Decimal;
  /** CSS D.242-6-14 "TC" mark as published for this year; null when the source does not publish it */
  collectifQuelQueSoitEffectif: boolean | null;
  source: string;
}

export interface Majorations {
  m1: Decimal;
  /** in percent, as the arrêté writes it */
  m2: Decimal;
  m3: Decimal;
  m4: Decimal;
  tnmn?: Decimal;
  source: string;
}

export interface BaremeAnnee {
  annee: number;
  majorations?: Majorations;
  /** annex 1 */
  tauxCollectifs: Map<string, TauxCollectif>;
  /** annex 3 (Alsace-Moselle) */
  tauxCollectifsAlsaceMoselle: Map<string, TauxCollectif>;
  codes: Map<string, CodeRisque>;
  coutsMoyens: Map<TableCouts, Map<CategorieCout, Decimal>>;
  /** source of each table of coûts moyens */
  sourcesCoutsMoyens: Map<TableCouts, string>;
  /** latest published D.242-6-14 mark per code, with its year, for years whose source does not publish it */
  marquesTcConnues: Map<string, { valeur: boolean; annee: number }>;
  /** BTP activity group of each CTN B code, where known (IP ≥ 10 % costs) */
  groupesBtp: Map<string, GroupeBtp>;
}

/** Code risque format (arrêté du 17 octobre 1995): NN.NXX, plus the FSNA codes 00.00B / 00.00A. */
export const CODE_RISQUE_RE = /^(\d{2}\.\d[A-Z]{2}|00\.00[AB])$/;

/** Normalises a written code risque: spaces removed ("29. 2FI" → "29.2FI"), upper case. */
export const normaliserCodeRisque = (s: string) => s.replace(/\s+/g, '').toUpperCase();

/**
 * Monthly headcount of one contract, CSS R130-1 (version in force since décret 2019-1586):
 * - each person counts "à due proportion du nombre de jours du mois pendant lequel elles ont été employées" (II);
 * - part-timers count by their contractual hours ÷ full-time hours (C. trav. L3123-1, referred to by R130-1 II);
 * - CDD and temporary workers replacing an absent employee or one whose contract is suspended are left out (II);
 * - apprentices, contrats aidés and contrats de professionnalisation are left out "sauf en ce qui concerne
 *   l'application des dispositions relatives à la tarification des risques AT/MP" (III): they COUNT here.
 * DSN mapping of the weight [secondaire] (docs/dsn.md).
 */
import { D, ONE, ZERO, type Decimal } from '../../rules/decimal.ts';

export interface Contrat {
  /** 40.001, 'YYYY-MM-DD' */
  debut: string;
  /** 62.001 actual end, 'YYYY-MM-DD'; undefined: open (40.010 is only a planned end) */
  fin: string | undefined;
  /** 40.007: 01 CDI, 02 CDD, 03 intérim, 29 stage, 80 mandat social … */
  nature: string;
  /** 40.008: 61 professionnalisation, 64/65/81 apprentissage, 21/41/42 contrats aidés, 99 none */
  dispositif: string;
  /** 40.011: 10 heure, 12 journée, 20 forfait jour, 21 forfait heure, 99 sans quotité */
  uniteQuotite: string;
  /** 40.012 full-time reference of the company (checked decimal string) */
  quotiteReference: string | undefined;
  /** 40.013 the contract's own quotité (checked decimal string) */
  quotite: string | undefined;
  /** 40.014: 10 temps plein, 20 temps partiel … */
  modalite: string;
  /** 40.021 motif de recours: 01 remplacement d'un salarié absent, 07/08/12 other replacements */
  motifRecours: string;
}

/** Motifs de recours meaning the replacement of an absent or suspended employee [secondaire] docs/dsn.md. */
const MOTIFS_REMPLACEMENT = new Set(['01', '07', '08', '12']);

/** Contracts left out of the AT/MP effectif. */
export function exclusEffectif(c: Contrat): boolean {
  // R130-1 II: CDD and intérim replacing an absent employee
  if ((c.nature === '02' || c.nature === '03') && MOTIFS_REMPLACEMENT.has(c.motifRecours)) return true;
  // stages are not employment contracts [secondaire]
  if (c.nature === '29') return true;
  return false;
}

/** Full-time equivalent of a contract: 1 for full time, else 40.013 ÷ 40.012 (capped at 1). */
export function etpContrat(c: Contrat): Decimal {
  if (c.modalite === '10' || c.nature === '80') return ONE;
  if (!['10', '12', '21'].includes(c.uniteQuotite)) return ONE;
  if (c.quotite === undefined || c.quotiteReference === undefined) return ONE;
  const q = D(c.quotite);
  const ref = D(c.quotiteReference);
  if (q.isZero() || ref.isZero()) return ONE;
  const r = q.div(ref);
  return r.gt(ONE) ? ONE : r.lt(ZERO) ? ZERO : r;
}

export function joursDuMois(annee: number, mois: number): number {
  if (mois === 2) return (annee % 4 === 0 && annee % 100 !== 0) || annee % 400 === 0 ? 29 : 28;
  return mois === 4 || mois === 6 || mois === 9 || mois === 11 ? 30 : 31;
}

/** Days of month (annee, mois) under contract, bounds included. */
export function joursSousContrat(c: Contrat, annee: number, mois: number): number {
  const mm = String(mois).padStart(2, '0');
  const first = `${annee}-${mm}-01`;
  const last = `${annee}-${mm}-${String(joursDuMois(annee, mois)).padStart(2, '0')}`;
  const from = c.debut > first ? c.debut : first;
  const to = c.fin !== undefined && c.fin < last ? c.fin : last;
  if (from > to) return 0;
  return +to.slice(8, 10) - +from.slice(8, 10) + 1;
}


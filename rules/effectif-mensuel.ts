/**
 * Monthly headcount of one contract for the AT/MP effectif, CSS R130-1 II and III (décret 2019-1586, months from
 * 2020; earlier DSN months are weighted the same way [à vérifier]). The yearly average and truncation are in
 * effectif.ts. DSN reading of the weight and of the exclusions [secondaire]: docs/dsn.md.
 */
import { D, ONE, ZERO, type Decimal } from './decimal.ts';
import type { Etape } from './explication.ts';

/** The facts of one DSN contract (block S21.G00.40 and its end S21.G00.62) the weighting reads. */
export interface ContratEffectif {
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

export const REFERENCE_EFFECTIF_MENSUEL = 'CSS art. R130-1 II et III (décret 2019-1586, effectifs depuis 2020) ; C. trav. art. L3123-1';

/** Motifs de recours (40.021) meaning the replacement of an absent or suspended employee [secondaire]. */
const MOTIFS_REMPLACEMENT = new Set(['01', '07', '08', '12']);
/** Quotité units (40.011) that measure working time: heure, journée, forfait heures. */
const UNITES_TEMPS = new Set(['10', '12', '21']);

/** Why a contract is left out of the AT/MP effectif, or undefined when it counts. */
export function motifExclusionEffectif(c: ContratEffectif): string | undefined {
  // R130-1 II: CDD and intérim replacing an absent employee or one whose contract is suspended
  if ((c.nature === '02' || c.nature === '03') && MOTIFS_REMPLACEMENT.has(c.motifRecours)) {
    return 'CDD ou intérim de remplacement d’un salarié absent ou suspendu (R130-1 II)';
  }
  // a stage is not an employment contract [secondaire]
  if (c.nature === '29') return 'stage : pas un contrat de travail';
  // apprentices, contrats aidés and professionnalisation COUNT: R130-1 III excepts the AT/MP tarification
  return undefined;
}

/** Full-time equivalent of a contract (R130-1 II, L3123-1): 1 for full time, else 40.013 ÷ 40.012 within [0, 1]. */
export function etpContrat(c: ContratEffectif): Decimal {
  if (c.modalite === '10' || c.nature === '80') return ONE;
  if (!UNITES_TEMPS.has(c.uniteQuotite)) return ONE;
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
export function joursSousContrat(c: ContratEffectif, annee: number, mois: number): number {
  const mm = String(mois).padStart(2, '0');
  const first = `${annee}-${mm}-01`;
  const last = `${annee}-${mm}-${String(joursDuMois(annee, mois)).padStart(2, '0')}`;
  const from = c.debut > first ? c.debut : first;
  const to = c.fin !== undefined && c.fin < last ? c.fin : last;
  if (from > to) return 0;
  return +to.slice(8, 10) - +from.slice(8, 10) + 1;
}

export interface EffectifContrat {
  /** the contract's share of the month's effectif: ETP × days under contract ÷ days of the month; 0 when left out */
  valeur: Decimal;
  /** why the contract is left out (then valeur = 0) */
  exclusion?: string;
  etp: Decimal;
  jours: number;
  joursDuMois: number;
  formule: string;
  reference: string;
}

/**
 * CSS R130-1 II: a person counts "à due proportion du nombre de jours du mois pendant lequel elles ont été
 * employées", a part-timer by contractual hours ÷ full-time hours; replacements left out; III: apprentices,
 * contrats aidés and professionnalisation counted for the AT/MP tarification. Example: from the 16th of a 30-day
 * month at 80 %: 0.8 × 15 ÷ 30 = 0.4.
 */
export function effectifMensuelContrat(c: ContratEffectif, annee: number, mois: number): EffectifContrat {
  const jm = joursDuMois(annee, mois);
  const exclusion = motifExclusionEffectif(c);
  if (exclusion !== undefined) {
    return { valeur: ZERO, exclusion, etp: ZERO, jours: 0, joursDuMois: jm, formule: 'contrat exclu', reference: REFERENCE_EFFECTIF_MENSUEL };
  }
  const jours = joursSousContrat(c, annee, mois);
  const etp = etpContrat(c);
  const valeur = jours === 0 ? ZERO : etp.times(jours).div(jm);
  return { valeur, etp, jours, joursDuMois: jm, formule: 'ETP × jours sous contrat ÷ jours du mois', reference: REFERENCE_EFFECTIF_MENSUEL };
}

/** The explanation step of one contract's monthly headcount (for display and audit; the reader only sums values). */
export function etapeEffectifMensuel(c: ContratEffectif, annee: number, mois: number): Etape {
  const r = effectifMensuelContrat(c, annee, mois);
  const etape: Etape = {
    id: 'effectif_mensuel_contrat',
    regle: r.exclusion ? `contrat non compté : ${r.exclusion}` : r.formule,
    reference: r.reference,
    entrees: {
      mois: `${annee}-${String(mois).padStart(2, '0')}`,
      debut: c.debut,
      fin: c.fin ?? 'ouvert',
      nature: c.nature,
      dispositif: c.dispositif,
      etp: r.etp.toString(),
      jours_sous_contrat: String(r.jours),
      jours_du_mois: String(r.joursDuMois),
    },
    valeur: r.valeur.toString(),
  };
  if (!r.exclusion && ['61', '64', '65', '81', '21', '41', '42'].includes(c.dispositif)) {
    etape.note = 'apprenti, contrat aidé ou de professionnalisation : compté pour la tarification AT/MP (R130-1 III)';
  }
  return etape;
}

/**
 * Legal constants of the rating rules, in one place, each dated by rate year and with its article (like the
 * barèmes, but fixed by the code rather than by the yearly arrêté). The rules read them; nothing else hard-codes them.
 */
import { D, type Decimal } from './decimal.ts';

/** A parameter set in force for the rate years [depuis, jusqua] (jusqua null: still in force). */
export interface Periode<T> {
  depuis: number;
  jusqua: number | null;
  valeur: T;
  reference: string;
}

/** The parameter set in force for a rate year. */
export function enVigueur<T>(periodes: readonly Periode<T>[], annee: number): Periode<T> {
  const p = periodes.find((x) => annee >= x.depuis && (x.jusqua === null || annee <= x.jusqua));
  if (!p) throw new Error(`paramètre sans valeur pour l'année ${annee}`);
  return p;
}

export interface SeuilsMode {
  /** effectif from which the rate is mixte */
  mixte: Decimal;
  /** effectif from which the rate is individuel */
  individuel: Decimal;
}

/** CSS D242-6-2 (décret 2010-753, rates from 2012): collectif < 20 ≤ mixte < 150 ≤ individuel. */
export const SEUILS_MODE: readonly Periode<SeuilsMode>[] = [
  { depuis: 2012, jusqua: null, valeur: { mixte: D(20), individuel: D(150) }, reference: 'CSS art. D242-6-2' },
];
/** CSS D242-30 (Alsace-Moselle): < 50 / 150. */
export const SEUILS_MODE_ALSACE_MOSELLE: readonly Periode<SeuilsMode>[] = [
  { depuis: 2012, jusqua: null, valeur: { mixte: D(50), individuel: D(150) }, reference: 'CSS art. D242-30 (Alsace-Moselle)' },
];
/** CSS D242-30 (Alsace-Moselle, BTP): < 50 / 300. */
export const SEUILS_MODE_ALSACE_MOSELLE_BTP: readonly Periode<SeuilsMode>[] = [
  { depuis: 2012, jusqua: null, valeur: { mixte: D(50), individuel: D(300) }, reference: 'CSS art. D242-30 (Alsace-Moselle, BTP)' },
];

export interface LimitesEcretement {
  /** P at or below which the limits are in points */
  seuil: Decimal;
  /** P ≤ seuil: [P − baissePoints, P + haussePoints] */
  baissePoints: Decimal;
  haussePoints: Decimal;
  /** P > seuil: [coefBas × P, coefHaut × P] */
  coefBas: Decimal;
  coefHaut: Decimal;
}

/** CSS D242-6-15 (and D242-38 in Alsace-Moselle): P ≤ 4: −0,8 / +1 point; P > 4: × 0,8 / × 1,25. */
export const ECRETEMENT: readonly Periode<LimitesEcretement>[] = [
  {
    depuis: 2012, jusqua: null,
    valeur: { seuil: D(4), baissePoints: D('0.8'), haussePoints: D(1), coefBas: D('0.8'), coefHaut: D('1.25') },
    reference: 'CSS art. D242-6-15 ; D242-38',
  },
];

/** Taux bureau: last rate year 2019, abolished from 1 January 2020 (arrêté du 17 octobre 1995 as amended for 2020). */
export const TAUX_BUREAU = { derniereAnnee: 2019, reference: 'arrêté du 17 octobre 1995 modifié (suppression du taux bureau au 1er janvier 2020)' } as const;

/**
 * Intérim (CSS R242-6-1, décret 2024-723 art. 2): the ½ / ½ sharing from the 2026 rates; for the rate years listed,
 * claims classified in the years given keep the former rule (2026: 2022 and 2023; 2027: 2023).
 */
export const INTERIM = {
  premiereAnneeMoitie: 2026,
  transition: new Map<number, readonly number[]>([[2026, [2022, 2023]], [2027, [2023]]]),
  reference: 'décret 2024-723 du 5 juillet 2024, art. 2',
} as const;

/**
 * Écrêtement, CSS D.242-6-15 (and D.242-38 in Alsace-Moselle, where collective rates are capped too): the rate
 * notified for N may not exceed, nor fall below, limits set from the rate P notified for N-1.
 */
import { D, Decimal } from './decimal.ts';
import { ECRETEMENT, enVigueur } from './parametres.ts';
import { DERNIERE_ANNEE } from './periodes.ts';

export interface Bornes {
  plancher: Decimal;
  plafond: Decimal;
}

/**
 * P ≤ 4: [P − 0.8, P + 1]; P > 4: [0.8 P, 1.25 P] (limits dated in rules/parametres.ts). The notified rate must stay
 * within the legal limit, so the ceiling is truncated and the floor rounded up to 2 decimals: P = 4.50 → [3.60, 5.62].
 */
export function bornesEcretement(p: Decimal, annee: number = DERNIERE_ANNEE): Bornes {
  const l = enVigueur(ECRETEMENT, annee).valeur;
  if (p.lte(l.seuil)) {
    return {
      plancher: Decimal.max(p.minus(l.baissePoints), D(0)).toDecimalPlaces(2, Decimal.ROUND_UP),
      plafond: p.plus(l.haussePoints).toDecimalPlaces(2, Decimal.ROUND_DOWN),
    };
  }
  return {
    plancher: p.times(l.coefBas).toDecimalPlaces(2, Decimal.ROUND_UP),
    plafond: p.times(l.coefHaut).toDecimalPlaces(2, Decimal.ROUND_DOWN),
  };
}

export interface Ecretement extends Bornes {
  applique: boolean;
  sens: 'hausse' | 'baisse' | null;
  taux: Decimal;
}

/** Clamps a rate already rounded to 2 decimals (the bounds have 2 decimals, so the order does not matter). */
export function ecreter(taux: Decimal, p: Decimal, annee: number = DERNIERE_ANNEE): Ecretement {
  const b = bornesEcretement(p, annee);
  if (taux.gt(b.plafond)) return { ...b, applique: true, sens: 'hausse', taux: b.plafond };
  if (taux.lt(b.plancher)) return { ...b, applique: true, sens: 'baisse', taux: b.plancher };
  return { ...b, applique: false, sens: null, taux };
}

/** The modes whose rate is capped: mixte and individuel; in Alsace-Moselle the collective rate too (D.242-38). */
export const modeEcrete = (mode: 'collectif' | 'mixte' | 'individuel', alsaceMoselle: boolean) => mode !== 'collectif' || alsaceMoselle;

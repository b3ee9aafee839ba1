/** Effectif of a company, CSS R130-1 I. */
import { Decimal, ZERO, sum } from './decimal.ts';

/** CSS R130-1 I: "il n'est pas tenu compte de la fraction d'effectif au-delà de la deuxième décimale". */
export const tronquerEffectif = (e: Decimal): Decimal => e.toDecimalPlaces(2, Decimal.ROUND_DOWN);

/**
 * CSS R130-1 I: average over the calendar year of the monthly headcounts; months with no employee are left out;
 * truncated to 2 decimals. Example: 11, 15, 23, 23, 23, 11 (six months) → 106 / 6 = 17.666… → 17.66.
 */
export function effectifMoyen(mensuels: Decimal[]): Decimal {
  const occupes = mensuels.filter((m) => m.gt(0));
  if (!occupes.length) return ZERO;
  return tronquerEffectif(sum(occupes).div(occupes.length));
}

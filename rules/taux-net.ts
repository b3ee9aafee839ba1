/**
 * Taux net, CSS D.242-6-3 and D.242-6-9: the taux brut "affecté de quatre majorations":
 * TN = (TB + M1) × (1 + M2) + M3 + M4, M2 being a percentage of (TB + M1).
 */
import { HUNDRED, ONE, ZERO, type Decimal } from './decimal.ts';
import type { Majorations } from './bareme.ts';

export function tauxNet(tb: Decimal, m: Majorations): Decimal {
  return tb.plus(m.m1).times(ONE.plus(m.m2.div(HUNDRED))).plus(m.m3).plus(m.m4);
}

/** The incompressible minimum M1 × (1 + M2) + M3 + M4: the net rate of an establishment with no claim. */
export const tauxMinimum = (m: Majorations): Decimal => tauxNet(ZERO, m);

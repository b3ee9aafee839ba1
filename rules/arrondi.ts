/** Rounding: full precision inside, the notified rate to 2 decimals half-up (tarification-atmp §7.3; published minimums). */
import { Decimal } from './decimal.ts';

export const arrondirTaux = (t: Decimal): Decimal => t.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

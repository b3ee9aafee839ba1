/** Rounding: full precision inside, the notified rate to 2 decimals half-up, as the published barèmes and minimums do (docs/regles.md). */
import { Decimal } from './decimal.ts';

export const arrondirTaux = (t: Decimal): Decimal => t.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** The one Decimal used for money and rates: 40 significant digits, so nothing is rounded before a rule says so. */
import { Decimal as DecimalJs } from 'decimal.js';

export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP });
export type Decimal = DecimalJs;

export const D = (v: DecimalJs.Value) => new Decimal(v);
export const ZERO = D(0);
export const ONE = D(1);
export const HUNDRED = D(100);

/** Strict decimal string: optional minus, digits, optional dot and digits. Never parses through a float. */
export const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** Sum of decimals. */
export const sum = (xs: Iterable<Decimal>) => {
  let t = ZERO;
  for (const x of xs) t = t.plus(x);
  return t;
};

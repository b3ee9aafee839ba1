/** Taux mixte, CSS D.242-6-13: TM = f × taux net individuel + (1 − f) × taux collectif, f at full precision. */
import { ONE, type Decimal } from './decimal.ts';

export const tauxMixte = (f: Decimal, tauxNetIndividuel: Decimal, tauxCollectif: Decimal): Decimal =>
  f.times(tauxNetIndividuel).plus(ONE.minus(f).times(tauxCollectif));

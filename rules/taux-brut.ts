/** Taux brut, CSS D.242-6-4 and D.242-6-6: TB = 100 × valeur du risque / masse salariale of the same three years. */
import { HUNDRED, type Decimal } from './decimal.ts';
import { RegleError } from './explication.ts';

export function tauxBrut(valeurDuRisque: Decimal, masseSalariale: Decimal): Decimal {
  if (masseSalariale.lte(0)) throw new RegleError('aucune masse salariale sur les trois années de référence : taux brut incalculable');
  return HUNDRED.times(valeurDuRisque).div(masseSalariale);
}

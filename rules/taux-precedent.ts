/**
 * The previous rate P of the écrêtement when several N-1 rates meet in one rate: first year of a taux unique or of
 * merged sections (CSS D.242-6-15 al. 2, décret 2013-1293): their average weighted by the masse salariale of the
 * last known year. The taux bureau merged into an individuel rate from 2020 uses the same weighting: the N-1 rate of
 * the merged section is rebuilt from both rates weighted by masse salariale (Cass. 2e civ., 7 janvier 2021,
 * n° 19-24.045).
 */
import { ZERO, type Decimal } from './decimal.ts';
import { RegleError } from './explication.ts';

export interface TauxPondere {
  taux: Decimal;
  masseSalariale: Decimal;
}

export function tauxPrecedentPondere(taux: TauxPondere[]): Decimal {
  if (!taux.length) throw new RegleError('aucun taux précédent à pondérer');
  const masse = taux.reduce((a, t) => a.plus(t.masseSalariale), ZERO);
  if (masse.lte(0)) throw new RegleError('taux précédents sans masse salariale : pondération impossible');
  return taux.reduce((a, t) => a.plus(t.taux.times(t.masseSalariale)), ZERO).div(masse);
}

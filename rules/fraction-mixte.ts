/** Share of the individual rate in a mixte rate, CSS D.242-6-13 (and D.242-37 in Alsace-Moselle), by rate year. */
import { D, type Decimal } from './decimal.ts';

export interface Fraction {
  valeur: Decimal;
  formule: string;
  reference: string;
  note?: string;
}

export function fractionIndividuelle(annee: number, effectif: Decimal, alsaceMoselle: boolean, btp: boolean): Fraction {
  if (alsaceMoselle) {
    // CSS D.242-37 as in force (reading settled: the current text of the article, not an older wording)
    return btp
      ? { valeur: D('0.075').times(effectif).plus('2.5').div(25), formule: '(0,075 × E + 2,5) / 25', reference: 'CSS art. D242-37 (BTP, rédaction en vigueur)' }
      : { valeur: D('0.075').times(effectif).minus('1.25').div(10), formule: '(0,075 × E − 1,25) / 10', reference: 'CSS art. D242-37 (rédaction en vigueur)' };
  }
  if (annee <= 2017) {
    // CSS D.242-6-13 before décret 2017-337: (E − 19) / 131, rates 2012–2017
    return { valeur: effectif.minus(19).div(131), formule: '(E − 19) / 131', reference: 'CSS art. D242-6-13 (rédaction applicable jusqu’aux taux 2017)' };
  }
  // CSS D.242-6-13 as amended by décret 2017-337 art. 1 3°, rates from 2018
  return { valeur: D('0.9').div(130).times(effectif.minus(20)).plus('0.1'), formule: '0,9 / 130 × (E − 20) + 0,1', reference: 'CSS art. D242-6-13 ; décret 2017-337' };
}

/** Mode of tarification from the company's effectif: CSS D.242-6-2 (general) and D.242-30 (Alsace-Moselle). */
import { D, type Decimal } from './decimal.ts';

export type Mode = 'collectif' | 'mixte' | 'individuel';

export interface Seuils {
  /** effectif from which the rate is mixte */
  mixte: Decimal;
  /** effectif from which the rate is individuel */
  individuel: Decimal;
  reference: string;
}

/**
 * CSS D.242-6-2 (décret 2010-753, in force for the rates from 2012): collectif < 20 ≤ mixte < 150 ≤ individuel.
 * CSS D.242-30 (Alsace-Moselle): < 50 / 150; BTP < 50 / 300.
 */
export function seuils(alsaceMoselle: boolean, btp: boolean): Seuils {
  if (alsaceMoselle) {
    return btp
      ? { mixte: D(50), individuel: D(300), reference: 'CSS art. D242-30 (Alsace-Moselle, BTP)' }
      : { mixte: D(50), individuel: D(150), reference: 'CSS art. D242-30 (Alsace-Moselle)' };
  }
  return { mixte: D(20), individuel: D(150), reference: 'CSS art. D242-6-2' };
}

export function modeSelonEffectif(effectif: Decimal, s: Seuils): Mode {
  if (effectif.lt(s.mixte)) return 'collectif';
  if (effectif.lt(s.individuel)) return 'mixte';
  return 'individuel';
}

/** Mode of tarification from the company's effectif: CSS D.242-6-2 (general) and D.242-30 (Alsace-Moselle). */
import type { Decimal } from './decimal.ts';
import { enVigueur, SEUILS_MODE, SEUILS_MODE_ALSACE_MOSELLE, SEUILS_MODE_ALSACE_MOSELLE_BTP } from './parametres.ts';
import { DERNIERE_ANNEE } from './periodes.ts';

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
 * CSS D.242-30 (Alsace-Moselle): < 50 / 150; BTP < 50 / 300. Values dated in rules/parametres.ts.
 */
export function seuils(alsaceMoselle: boolean, btp: boolean, annee: number = DERNIERE_ANNEE): Seuils {
  const table = alsaceMoselle ? (btp ? SEUILS_MODE_ALSACE_MOSELLE_BTP : SEUILS_MODE_ALSACE_MOSELLE) : SEUILS_MODE;
  const p = enVigueur(table, annee);
  return { ...p.valeur, reference: p.reference };
}

export function modeSelonEffectif(effectif: Decimal, s: Seuils): Mode {
  if (effectif.lt(s.mixte)) return 'collectif';
  if (effectif.lt(s.individuel)) return 'mixte';
  return 'individuel';
}

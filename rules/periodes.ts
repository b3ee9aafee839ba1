/** Reference periods of a rate year N. */
import { RegleError } from './explication.ts';

/** The rules of rules/ are written for these rate years (2027 with a barème given by the user). */
export const PREMIERE_ANNEE = 2017;
export const DERNIERE_ANNEE = 2027;

export function verifierAnnee(annee: number): void {
  if (!Number.isInteger(annee) || annee < PREMIERE_ANNEE || annee > DERNIERE_ANNEE) {
    throw new RegleError(`année de tarification ${annee} hors du domaine des règles (${PREMIERE_ANNEE} à ${DERNIERE_ANNEE})`);
  }
}

/** CSS D.242-6-4: "les trois dernières années connues", i.e. N-4..N-2 for rate year N. */
export const anneesDeReference = (annee: number): number[] => [annee - 4, annee - 3, annee - 2];

/** CSS R130-1 / D.242-6-2: the effectif of reference is that of year N-2 (since the 2019 rates) [secondaire]. */
export const anneeEffectif = (annee: number): number => annee - 2;

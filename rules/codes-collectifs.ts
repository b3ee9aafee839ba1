/** Codes risque whose rate is collective whatever the size (CSS D.242-6-14) or not even notified (D.242-6-22). */
import type { BaremeAnnee } from './bareme.ts';

/** CSS D.242-6-22: these categories of workers take the published collective rate, with no notification. */
export const codeD242_6_22 = (bareme: BaremeAnnee, code: string) => bareme.codes.get(code)?.particularite === 'd242-6-22';

export interface MarqueTc {
  collectif: boolean;
  /** year of the published mark used */
  anneeMarque: number | null;
  note?: string;
}

/**
 * CSS D.242-6-14: codes marked "TC" in annex 1 are on the collective rate whatever the effectif. The mark is
 * published with each year's annex; where the source does not carry it (2021 onwards in the shipped data), the
 * latest published mark of the code is used and flagged [à vérifier].
 */
export function collectifQuelQueSoitEffectif(bareme: BaremeAnnee, code: string): MarqueTc {
  const publie = bareme.tauxCollectifs.get(code)?.collectifQuelQueSoitEffectif;
  if (publie != null) return { collectif: publie, anneeMarque: bareme.annee };
  const connue = bareme.marquesTcConnues.get(code);
  if (connue) {
    return {
      collectif: connue.valeur,
      anneeMarque: connue.annee,
      note: `marque « TC » non publiée pour ${bareme.annee} dans la source : marque ${connue.annee} reprise [à vérifier]`,
    };
  }
  return { collectif: false, anneeMarque: null };
}

/**
 * Sections with a reduced rate: the taux bureau (all modes, until the 2019 rates; abolished from 1 January 2020)
 * and the FSNA section, fonctions support de nature administrative (arrêté du 17 octobre 1995 art. 1-III, created
 * by the arrêté du 15 février 2017, from 2 March 2017), for collectif and mixte companies only.
 */
import type { Mode } from './mode.ts';
import { RegleError } from './explication.ts';
import { TAUX_BUREAU } from './parametres.ts';

export type Section = 'principale' | 'fsna' | 'bureau';

/** FSNA / bureau codes: 00.00B, and 00.00A in the BTP. */
export const CODES_FONCTIONS_SUPPORT = ['00.00B', '00.00A'];

/** Last rate year of the taux bureau (abolished from 1 January 2020): rules/parametres.ts. */
export const DERNIERE_ANNEE_TAUX_BUREAU = TAUX_BUREAU.derniereAnnee;

/**
 * The code whose collective rate a bureau section takes (until the 2019 rates): 00.00B, 00.00A in the BTP. The
 * section may be recorded with that code or with its activity's code (DSN 40.040 `602MDB`: the bureau section of
 * 60.2MD).
 */
export const codeTauxBureau = (codeRisque: string, ctn: string | null) =>
  CODES_FONCTIONS_SUPPORT.includes(codeRisque) ? codeRisque : ctn === 'B' ? '00.00A' : '00.00B';

export function verifierSection(section: Section, annee: number, codeRisque: string, modeEntreprise: Mode): void {
  if (section === 'principale') return;
  if (section === 'fsna' && !CODES_FONCTIONS_SUPPORT.includes(codeRisque)) {
    throw new RegleError(`une section FSNA porte le code risque 00.00B (00.00A dans le BTP), pas ${codeRisque}`);
  }
  if (section === 'fsna') {
    // arrêté du 17 octobre 1995 art. 1-III (arrêté du 15 février 2017): FSNA from 2 March 2017
    if (annee < 2017) throw new RegleError('la section FSNA n’existe qu’à partir du 2 mars 2017');
    // CSS D.242-6-2 1° and 3°, D.242-30: only for companies on the collective or mixte rate
    if (modeEntreprise === 'individuel') {
      throw new RegleError('section FSNA demandée pour une entreprise en tarification individuelle : réservée aux entreprises en taux collectif ou mixte');
    }
    return;
  }
  if (annee > DERNIERE_ANNEE_TAUX_BUREAU) {
    throw new RegleError(
      `section bureau en ${annee} : le taux bureau est supprimé depuis le 1er janvier 2020 (en taux individuel, la section bureau est fusionnée avec la section principale ; en collectif ou mixte, seule une section FSNA garde un taux réduit)`,
    );
  }
}

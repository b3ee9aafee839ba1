/**
 * A section created during rate year N (new establishment, FSNA granted) or an establishment reclassified under
 * another code risque: the collective rate of year N from the date of the event to the end of the year
 * (CSS D242-6-17 for a new establishment; arrêté du 17 octobre 1995 art. 1 for the FSNA section and the code).
 */
import type { Decimal } from './decimal.ts';
import { RegleError, type Etape } from './explication.ts';

export type EvenementAnnee = 'creation' | 'reclassement';

export function decisionEnCoursAnnee(e: { evenement: EvenementAnnee; annee: number; date: string; codeRisque: string; tauxCollectif: Decimal | undefined; alsaceMoselle: boolean }) {
  if (!e.date.startsWith(`${e.annee}-`)) throw new RegleError(`date ${e.date} hors de l'année ${e.annee}`);
  if (!e.tauxCollectif) throw new RegleError(`taux collectif ${e.annee} du code ${e.codeRisque}${e.alsaceMoselle ? ' (Alsace-Moselle)' : ''} non chargé`);
  const reference = e.evenement === 'creation' ? 'CSS art. D242-6-17' : 'CSS art. D242-6-17 ; arrêté du 17 octobre 1995 art. 1';
  const etape: Etape = {
    id: e.evenement,
    regle: e.evenement === 'creation'
      ? `section créée le ${e.date} : taux collectif ${e.annee} du code ${e.codeRisque} jusqu'à la fin de l'année`
      : `classement au code ${e.codeRisque} à compter du ${e.date} : taux collectif ${e.annee} jusqu'à la fin de l'année`,
    reference, entrees: { code_risque: e.codeRisque, date: e.date }, valeur: e.tauxCollectif.toFixed(2),
  };
  return { taux: e.tauxCollectif, debut: e.date, fin: `${e.annee}-12-31`, reference, etape };
}

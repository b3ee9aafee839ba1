/**
 * Cotisation supplémentaire, arrêté du 9 décembre 2010 art. 8 to 10: imposed after an injonction whose deadline
 * passed, as a percentage of the normal contribution, on top of the rate in force (after écrêtement).
 */
import { D, type Decimal } from './decimal.ts';
import { RegleError, type Etape } from './explication.ts';
import { arrondirTaux } from './arrondi.ts';

/**
 * injonction: imposed at the end of the injonction's deadline, at least 25 %;
 * delai-depasse: automatically 50 % once the deadline set by the CTR passes without the measures (art. 9);
 * six-mois: 200 % six months after that (art. 9);
 * recidive: a repeat within three years of an earlier one, at least 50 % without a new injonction (art. 10).
 */
export type StadeCotisation = 'injonction' | 'delai-depasse' | 'six-mois' | 'recidive';
export const STADES: StadeCotisation[] = ['injonction', 'delai-depasse', 'six-mois', 'recidive'];

export function minimumCotisation(stade: StadeCotisation): Decimal {
  return D({ injonction: 25, 'delai-depasse': 50, 'six-mois': 200, recidive: 50 }[stade]);
}

/** Whether an earlier cotisation supplémentaire makes this one a repeat: it started less than three years ago. */
export function estRecidive(datesPrecedentes: string[], dateConstat: string): boolean {
  const [a, m, j] = dateConstat.split('-');
  const limite = `${Number(a) - 3}-${m}-${j}`;
  return datesPrecedentes.some((d) => d >= limite && d <= dateConstat);
}

export interface EntreeCotisation {
  stade: StadeCotisation;
  /** percent of the normal contribution; default the stage's minimum */
  pourcentage?: Decimal;
  tauxEnVigueur: Decimal;
  /** date the risk was found (the cotisation runs from then) */
  dateConstat: string;
  /** date the measures were carried out, when known; else the end of the rate year */
  fin: string;
  /** starts of the establishment's earlier cotisations supplémentaires (for a repeat) */
  precedentes: string[];
}

export function cotisationSupplementaire(e: EntreeCotisation) {
  const min = minimumCotisation(e.stade);
  const p = e.pourcentage ?? min;
  if (p.lt(min)) throw new RegleError(`cotisation supplémentaire de ${p} % refusée : au moins ${min} % au stade « ${e.stade} » (arrêté du 9 décembre 2010 art. ${e.stade === 'recidive' ? 10 : e.stade === 'injonction' ? 8 : 9})`);
  if (e.stade === 'six-mois' && !p.eq(min)) throw new RegleError('cotisation supplémentaire portée à 200 % six mois après le délai (arrêté du 9 décembre 2010 art. 9) : pas d’autre pourcentage');
  if (e.stade === 'recidive' && !estRecidive(e.precedentes, e.dateConstat)) {
    throw new RegleError('cotisation supplémentaire sans injonction refusée : aucune cotisation supplémentaire de l’établissement dans les trois ans (arrêté du 9 décembre 2010 art. 10)');
  }
  if (e.fin < e.dateConstat) throw new RegleError(`fin ${e.fin} antérieure au constat ${e.dateConstat}`);
  const points = e.tauxEnVigueur.times(p).div(100);
  const taux = arrondirTaux(e.tauxEnVigueur.plus(points));
  const etape: Etape = {
    id: 'cotisation_supplementaire',
    regle: `cotisation supplémentaire de ${p} % de la cotisation normale (stade ${e.stade}), ajoutée au taux notifié après écrêtement`,
    reference: `arrêté du 9 décembre 2010 art. ${e.stade === 'recidive' ? '10' : e.stade === 'injonction' ? '8' : '9'}`,
    entrees: { taux_en_vigueur: e.tauxEnVigueur.toString(), pourcentage: p.toString(), debut: e.dateConstat, fin: e.fin },
    valeur: taux.toFixed(2),
    note: 'due du constat du risque jusqu’à la réalisation des mesures ; minimum en montant (25 % de trois mois ou 1 000 €) à la charge du recouvrement',
  };
  return { pourcentage: p, points, taux, debut: e.dateConstat, fin: e.fin, etape };
}

/** The measures are carried out: the cotisation supplémentaire in force ends the day before (art. 8: "jusqu'à la réalisation des mesures"). */
export function finCotisation(e: { dateRealisation: string; debutEnCours: string }) {
  if (e.dateRealisation <= e.debutEnCours) throw new RegleError(`mesures réalisées le ${e.dateRealisation} : la cotisation supplémentaire en cours court depuis le ${e.debutEnCours}`);
  const etape: Etape = {
    id: 'fin_cotisation_supplementaire', regle: `mesures réalisées le ${e.dateRealisation} : fin de la cotisation supplémentaire`,
    reference: 'arrêté du 9 décembre 2010 art. 8', entrees: { date: e.dateRealisation }, valeur: '0',
  };
  return { pourcentage: D(0), points: D(0), etape };
}

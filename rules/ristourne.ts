/**
 * Ristournes (reductions of the rate in force, decided by the Carsat): ristourne travail, arrêté du 9 décembre
 * 2010 art. 2 to 7; ristourne trajet, arrêté du 19 septembre 1977. Applied on top of the notified rate, after
 * écrêtement, and never in the next year's écrêtement base (readings: docs/decisions.md).
 */
import { D, ZERO, type Decimal } from './decimal.ts';
import { RegleError, type Etape } from './explication.ts';
import { arrondirTaux } from './arrondi.ts';

/** First rate year the arrêté du 9 décembre 2010 governs (in force 1 January 2011). */
export const PREMIERE_ANNEE_ARRETE_2010 = 2011;
/** arrêté du 9 décembre 2010 art. 3: at most 25 % of the collective rate */
export const RISTOURNE_TRAVAIL_MAX = D('0.25');
/** arrêté du 9 décembre 2010 art. 7: ristournes of a caisse capped at 0.40 % of its AT/MP contributions */
export const PLAFOND_BUDGET_RISTOURNES = D('0.004');
/** ristourne trajet: share of the trajet majoration M1, reading of the arrêté du 19 septembre 1977 [secondaire] */
export const RISTOURNE_TRAJET_MIN = D('0.25');
export const RISTOURNE_TRAJET_MAX = D('0.85');

/** ISO date of the 1st of the month after `date` (YYYY-MM-DD). */
export function premierDuMoisSuivant(date: string): string {
  const [a, m] = date.split('-').map(Number);
  return m === 12 ? `${a + 1}-01-01` : `${a}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The day before the same date one year later: a period of at most one year. */
export function unAnMoinsUnJour(debut: string): string {
  const d = new Date(`${debut}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export interface EntreeRistourneTravail {
  annee: number;
  mode: 'collectif' | 'mixte' | 'individuel';
  tauxCollectif: Decimal;
  /** share of the individual rate of a mixte rate, f */
  fraction: Decimal | null;
  /** rate in force (notified, after écrêtement) */
  tauxEnVigueur: Decimal;
  /** in percent of the collective rate (0 < p ≤ 25) */
  pourcentage: Decimal;
  dateDecision: string;
  /** earlier end asked for; default one year */
  fin?: string;
}

export interface Ajustement {
  /** points added to the rate in force (negative: a reduction) */
  points: Decimal;
  /** rate in force once adjusted, 2 decimals */
  taux: Decimal;
  debut: string;
  fin: string;
  etape: Etape;
}

/** Ristourne travail, arrêté du 9 décembre 2010 art. 2–3: collectif or mixte only, ≤ 25 % of TC, mixte on (1 − f) × TC. */
export function ristourneTravail(e: EntreeRistourneTravail): Ajustement {
  if (e.annee < PREMIERE_ANNEE_ARRETE_2010) throw new RegleError(`ristourne travail ${e.annee} : seules les années à partir de ${PREMIERE_ANNEE_ARRETE_2010} (arrêté du 9 décembre 2010) sont couvertes`);
  if (e.mode === 'individuel') throw new RegleError('ristourne travail refusée : réservée aux établissements en taux collectif ou mixte (arrêté du 9 décembre 2010 art. 2)');
  if (e.pourcentage.lte(0) || e.pourcentage.gt(RISTOURNE_TRAVAIL_MAX.times(100))) {
    throw new RegleError(`ristourne travail de ${e.pourcentage} % refusée : au plus 25 % du taux collectif (arrêté du 9 décembre 2010 art. 3)`);
  }
  if (e.mode === 'mixte' && (!e.fraction || e.fraction.lte(0) || e.fraction.gte(1))) throw new RegleError('ristourne sur un taux mixte : fraction individuelle f inconnue');
  const assiette = e.mode === 'mixte' ? D(1).minus(e.fraction!).times(e.tauxCollectif) : e.tauxCollectif;
  const reduction = assiette.times(e.pourcentage).div(100);
  const debut = premierDuMoisSuivant(e.dateDecision);
  const finMax = unAnMoinsUnJour(debut);
  const fin = e.fin ?? finMax;
  if (fin < debut) throw new RegleError(`fin de ristourne ${fin} antérieure à son début ${debut}`);
  if (fin > finMax) throw new RegleError(`ristourne jusqu'au ${fin} refusée : au plus un an sans réexamen, soit jusqu'au ${finMax} (arrêté du 9 décembre 2010 art. 3)`);
  const taux = arrondirTaux(Decimal_max(e.tauxEnVigueur.minus(reduction), ZERO));
  return {
    points: reduction.negated(), taux, debut, fin,
    etape: {
      id: 'ristourne_travail',
      regle: e.mode === 'mixte'
        ? `ristourne de ${e.pourcentage} % sur la seule fraction collective (1 − f) × TC du taux mixte, appliquée au taux notifié après écrêtement`
        : `ristourne de ${e.pourcentage} % du taux collectif, appliquée au taux notifié`,
      reference: 'arrêté du 9 décembre 2010 art. 2 et 3',
      entrees: {
        taux_en_vigueur: e.tauxEnVigueur.toString(), taux_collectif: e.tauxCollectif.toString(),
        ...(e.mode === 'mixte' ? { fraction: e.fraction!.toString(), assiette: assiette.toString() } : {}),
        pourcentage: e.pourcentage.toString(), debut, fin,
      },
      valeur: taux.toFixed(2),
      note: 'du 1er jour du mois suivant la décision, pour un an au plus ; hors base d’écrêtement de l’année suivante',
    },
  };
}

const Decimal_max = (a: Decimal, b: Decimal) => (a.gt(b) ? a : b);

export interface EntreeRistourneTrajet {
  m1: Decimal;
  tauxEnVigueur: Decimal;
  /** share of M1 removed, in percent (25 to 85) */
  pourcentage: Decimal;
  dateDecision: string;
  fin?: string;
}

/** Ristourne trajet, arrêté du 19 septembre 1977: a reduction of the trajet part M1 only (reading: 25–85 % of M1). */
export function ristourneTrajet(e: EntreeRistourneTrajet): Ajustement {
  const min = RISTOURNE_TRAJET_MIN.times(100);
  const max = RISTOURNE_TRAJET_MAX.times(100);
  if (e.pourcentage.lt(min) || e.pourcentage.gt(max)) throw new RegleError(`ristourne trajet de ${e.pourcentage} % refusée : entre ${min} et ${max} % de la majoration trajet M1 (arrêté du 19 septembre 1977, lecture docs/decisions.md)`);
  const reduction = e.m1.times(e.pourcentage).div(100);
  const debut = premierDuMoisSuivant(e.dateDecision);
  const finMax = unAnMoinsUnJour(debut);
  const fin = e.fin ?? finMax;
  if (fin < debut || fin > finMax) throw new RegleError(`ristourne trajet : période du ${debut} au ${fin} hors d'un an au plus`);
  const taux = arrondirTaux(Decimal_max(e.tauxEnVigueur.minus(reduction), ZERO));
  return {
    points: reduction.negated(), taux, debut, fin,
    etape: {
      id: 'ristourne_trajet', regle: `ristourne trajet de ${e.pourcentage} % de la majoration trajet M1, appliquée au taux notifié`,
      reference: 'arrêté du 19 septembre 1977', entrees: { m1: e.m1.toString(), taux_en_vigueur: e.tauxEnVigueur.toString(), pourcentage: e.pourcentage.toString(), debut, fin },
      valeur: taux.toFixed(2), note: 'bornes 25–85 % de M1 : lecture d’une source secondaire [à vérifier]',
    },
  };
}

/**
 * Budget of the ristournes travail of one rate year, arrêté du 9 décembre 2010 art. 7: the sum of their costs may
 * not exceed 0.40 % of the AT/MP contributions of the caisse's region. Refuses the grant that would exceed it.
 */
export function verifierBudgetRistournes(cotisationsRegion: Decimal, dejaAccorde: Decimal, cout: Decimal): { plafond: Decimal; apres: Decimal; etape: Etape } {
  const plafond = cotisationsRegion.times(PLAFOND_BUDGET_RISTOURNES);
  const apres = dejaAccorde.plus(cout);
  if (apres.gt(plafond)) {
    throw new RegleError(`ristourne refusée : budget dépassé (${apres.toFixed(2)} € > plafond ${plafond.toFixed(2)} € = 0,40 % des cotisations AT/MP de la région ${cotisationsRegion.toFixed(2)} € ; déjà accordé ${dejaAccorde.toFixed(2)} €) — arrêté du 9 décembre 2010 art. 7`);
  }
  return {
    plafond, apres,
    etape: {
      id: 'budget_ristournes', regle: 'coût des ristournes de l’année dans la limite de 0,40 % des cotisations AT/MP de la région',
      reference: 'arrêté du 9 décembre 2010 art. 7',
      entrees: { cotisations_region: cotisationsRegion.toFixed(2), deja_accorde: dejaAccorde.toFixed(2), cout: cout.toFixed(2) },
      valeur: apres.toFixed(2),
    },
  };
}

/** Estimated cost of a reduction over its months in the rate year: masse salariale × points / 100 × months / 12. */
export function coutAjustement(masseAnnuelle: Decimal, points: Decimal, mois: number): Decimal {
  return masseAnnuelle.times(points.abs()).div(100).times(mois).div(12);
}

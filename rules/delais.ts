/**
 * Notification delays, by rate year: when a notification made available by e-mail is deemed notified, and how long
 * the employer has to contest it. Each function returns its value and its explanation step.
 */
import { RegleError, type Etape } from './explication.ts';
import { PREMIERE_ANNEE } from './periodes.ts';

interface Parametre {
  /** first rate year the value applies to */
  depuis: number;
  valeur: number;
  reference: string;
  note?: string;
}

/** the value in force for rate year `annee` (the entries are in increasing `depuis`) */
function enVigueur(table: readonly Parametre[], annee: number, quoi: string): Parametre {
  const p = table.filter((x) => x.depuis <= annee).at(-1);
  if (!p) throw new RegleError(`${quoi} : aucune valeur établie pour l’année de tarification ${annee}`);
  return p;
}

// CSS L242-5 ; Cass. 2e civ., avis, 5 oct. 2023, n° 23-70.009: deemed notified at first consultation, or 15 days after being made available
const JOURS_REPUTEE_NOTIFIEE: readonly Parametre[] = [
  {
    depuis: PREMIERE_ANNEE, valeur: 15, reference: 'CSS art. L242-5 ; Cass. 2e civ., avis, 5 oct. 2023, n° 23-70.009',
    note: 'la date de première consultation (compte AT/MP) n’est pas connue d’atmp : seule la mise à disposition + 15 jours est retenue',
  },
];

// CSS R142-1-A III: the recours against a Carsat's tarification decision is brought within two months of its notification
const MOIS_RECOURS: readonly Parametre[] = [
  {
    depuis: PREMIERE_ANNEE, valeur: 2, reference: 'CSS art. R142-1-A III',
    note: 'devant la Cour d’appel d’Amiens depuis le 1er janvier 2019 (décret 2018-928) ; pour les taux 2017 et 2018, délai lu dans la rédaction actuelle [à vérifier]',
  },
];

export interface Delai {
  /** the number of days (reputee notifiée) or months (recours) */
  valeur: number;
  etape: Etape;
}

/** Days after being made available (the e-mail accepted, the file in the outbox) after which a notification is deemed notified. */
export function joursReputeeNotifiee(annee: number): Delai {
  const p = enVigueur(JOURS_REPUTEE_NOTIFIEE, annee, 'délai de notification réputée');
  return {
    valeur: p.valeur,
    etape: {
      id: 'reputee_notifiee', regle: `réputée notifiée à la première consultation, au plus tard ${p.valeur} jours après la mise à disposition`,
      reference: p.reference, entrees: { annee: String(annee) }, valeur: String(p.valeur), ...(p.note ? { note: p.note } : {}),
    },
  };
}

/** Months, from the notification, within which the employer may contest the rates. */
export function moisRecours(annee: number): Delai {
  const p = enVigueur(MOIS_RECOURS, annee, 'délai de recours');
  return {
    valeur: p.valeur,
    etape: {
      id: 'delai_recours', regle: `recours dans les ${p.valeur} mois de la notification`,
      reference: p.reference, entrees: { annee: String(annee) }, valeur: String(p.valeur), ...(p.note ? { note: p.note } : {}),
    },
  };
}

/** A date (YYYY-MM-DD) plus whole days, in the calendar (no time zone involved). */
export function ajouterJours(date: string, jours: number): string {
  const [a, m, j] = date.split('-').map(Number);
  return new Date(Date.UTC(a, m - 1, j + jours)).toISOString().slice(0, 10);
}

/** The day a notification made available on `misADisposition` (YYYY-MM-DD) is deemed notified, with its step. */
export function dateReputeeNotifiee(annee: number, misADisposition: string): { valeur: string; etape: Etape } {
  const d = joursReputeeNotifiee(annee);
  const valeur = ajouterJours(misADisposition, d.valeur);
  return { valeur, etape: { ...d.etape, entrees: { ...d.etape.entrees, mise_a_disposition: misADisposition, jours: String(d.valeur) }, valeur } };
}

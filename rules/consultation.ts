/**
 * Electronic notification of the rate through the employer's account: when the decision counts as notified, and
 * until when a recours may be brought. Dates are calendar days 'AAAA-MM-JJ' (Europe/Paris), compared as strings.
 * Applies to the rates notified through the compte AT/MP (every company since the 2022 rates, décret 2020-1232).
 */
import type { Etape } from './explication.ts';
import { joursReputeeNotifiee, moisRecours } from './delais.ts';
import { DERNIERE_ANNEE } from './periodes.ts';

/**
 * Days after which a decision made available and never consulted is deemed notified, and months allowed for the
 * recours from the notification date: the dated parameters of rules/delais.ts (one source), as in force for the
 * latest rate year of the rules (the same value for every year so far).
 */
export const DELAI_CONSULTATION_JOURS = joursReputeeNotifiee(DERNIERE_ANNEE).valeur;
export const DELAI_RECOURS_MOIS = moisRecours(DERNIERE_ANNEE).valeur;

export interface FaitsNotification {
  /** the day the decision was made available in the account */
  miseADisposition: string;
  /** the day of its first consultation (the notification page or its PDF), if any */
  premiereConsultation?: string | null;
  /** today */
  aujourdhui: string;
}

export interface EtatNotification {
  /** 'notifiee': consulted; 'reputee_notifiee': 15 days passed without consultation; 'en_attente': neither yet */
  etat: 'notifiee' | 'reputee_notifiee' | 'en_attente';
  /** the notification date, once known */
  notifieeLe: string | null;
  /** 'consultation' or 'quinze_jours', once known */
  par: 'consultation' | 'quinze_jours' | null;
  /** the latest possible notification date (made available + 15 days) */
  auPlusTardLe: string;
  /** notification date + 2 months, once the notification date is known */
  recoursJusquAu: string | null;
  etape: Etape;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function verifier(nom: string, v: string): void {
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new Error(`${nom} : date AAAA-MM-JJ attendue, reçu « ${v} »`);
}

/** d + n calendar days. */
export function ajouterJours(d: string, n: number): string {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

/**
 * d + n months, same day number; a day the target month lacks becomes its last day (31 March + 2 months → 31 May,
 * 31 December + 2 months → 28 or 29 February), as months are counted in procedure (CPC art. 641).
 */
export function ajouterMois(d: string, n: number): string {
  const [a, m, j] = d.split('-').map(Number);
  const mois = m - 1 + n;
  const annee = a + Math.floor(mois / 12);
  const m2 = ((mois % 12) + 12) % 12;
  const dernier = new Date(Date.UTC(annee, m2 + 1, 0)).getUTCDate();
  return `${annee}-${String(m2 + 1).padStart(2, '0')}-${String(Math.min(j, dernier)).padStart(2, '0')}`;
}

/** The calendar day of an instant in Europe/Paris. */
export function jourParis(t: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
}

export function etatNotification(f: FaitsNotification): EtatNotification {
  verifier('mise à disposition', f.miseADisposition);
  verifier('aujourd’hui', f.aujourdhui);
  if (f.premiereConsultation) verifier('première consultation', f.premiereConsultation);
  // CSS L242-5 and décret 2020-1232: notified at the first consultation, at the latest 15 days after being made available (Cass. 2e civ., avis 5 octobre 2023, n° 23-70.009)
  const auPlusTardLe = ajouterJours(f.miseADisposition, DELAI_CONSULTATION_JOURS);
  let notifieeLe: string | null = null;
  let par: EtatNotification['par'] = null;
  if (f.premiereConsultation && f.premiereConsultation <= auPlusTardLe) {
    notifieeLe = f.premiereConsultation < f.miseADisposition ? f.miseADisposition : f.premiereConsultation;
    par = 'consultation';
  } else if (f.aujourdhui >= auPlusTardLe || f.premiereConsultation) {
    notifieeLe = auPlusTardLe;
    par = 'quinze_jours';
  }
  // CSS R142-1-A III: the recours is brought within two months of the notification of the decision
  const recoursJusquAu = notifieeLe ? ajouterMois(notifieeLe, DELAI_RECOURS_MOIS) : null;
  const etat = par === 'consultation' ? 'notifiee' : par === 'quinze_jours' ? 'reputee_notifiee' : 'en_attente';
  return {
    etat, notifieeLe, par, auPlusTardLe, recoursJusquAu,
    etape: {
      id: 'date_notification',
      regle: 'notifiée à la première consultation dans le compte, au plus tard 15 jours après la mise à disposition ; recours dans les deux mois',
      reference: 'CSS art. L242-5, R142-1-A III ; Cass. 2e civ., avis 5 octobre 2023, n° 23-70.009',
      entrees: {
        mise_a_disposition: f.miseADisposition,
        premiere_consultation: f.premiereConsultation ?? '',
        aujourdhui: f.aujourdhui,
      },
      valeur: notifieeLe ?? '',
      note: notifieeLe ? undefined : `non encore notifiée : au plus tard le ${auPlusTardLe}`,
    },
  };
}

/**
 * A paper notification goes by registered letter with acknowledgement of receipt when it notifies a mixte or
 * individuel rate; collective rates only need a date certaine by any means.
 */
export function recommandeAvecAccuse(modes: (string | null)[]): boolean {
  // arrêté du 17 octobre 1995 (LEGIARTI000025127968): mixte and individuel rates notified by LRAR when not dematerialised
  return modes.some((m) => m === 'mixte' || m === 'individuel');
}

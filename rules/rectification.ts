/**
 * Whether a notified rate may still be rectified. A rectification on the Carsat's own initiative or at the
 * employer's request cannot change a rate that became final: notified more than two months ago with no recours
 * (CSS R142-1-A III; Cass. 2e civ. 7 avril 2022 n° 20-18.310). A court decision rectifies even a final rate
 * (CSS D242-6-4, "sans préjudice de l'application des décisions de justice ultérieures").
 */
import type { Etape } from './explication.ts';

export type MotifRectification = 'inopposabilite' | 'decision-justice' | 'reexamen-caisse' | 'correction-donnees';
export const MOTIFS_RECTIFICATION: MotifRectification[] = ['inopposabilite', 'decision-justice', 'reexamen-caisse', 'correction-donnees'];

export const LIBELLE_MOTIF: Record<MotifRectification, string> = {
  inopposabilite: 'sinistre déclaré inopposable à l’employeur',
  'decision-justice': 'décision de justice',
  'reexamen-caisse': 'réexamen par la caisse',
  'correction-donnees': 'correction des données (DSN, sinistres)',
};

/** The date two months after `notifiee` (same day, clamped to the month's end), ISO. */
export function deuxMoisApres(notifiee: string): string {
  const [a, m, j] = notifiee.split('-').map(Number);
  const mois = m + 2;
  const an = a + Math.floor((mois - 1) / 12);
  const mm = ((mois - 1) % 12) + 1;
  const dernier = new Date(Date.UTC(an, mm, 0)).getUTCDate();
  return `${an}-${String(mm).padStart(2, '0')}-${String(Math.min(j, dernier)).padStart(2, '0')}`;
}

/** Final: notified, the two-month recours deadline over at `aujourdhui`, and no recours recorded. */
export function tauxDefinitif(notifieeLe: string | null, recours: boolean, aujourdhui: string): boolean {
  if (!notifieeLe || recours) return false;
  return aujourdhui > deuxMoisApres(notifieeLe);
}

export function rectifiable(motif: MotifRectification, definitif: boolean): { rectifiable: boolean; etape: Etape } {
  const ok = !definitif || motif === 'decision-justice';
  return {
    rectifiable: ok,
    etape: {
      id: 'rectification',
      regle: definitif
        ? ok ? 'taux définitif rectifié sur décision de justice' : 'taux définitif (notifié depuis plus de deux mois, sans recours) : non rectifié'
        : 'taux non définitif (délai de recours ouvert ou recours en cours) : rectifié',
      reference: definitif ? (ok ? 'CSS art. D242-6-4' : 'CSS art. R142-1-A ; Cass. 2e civ. 7 avril 2022 n° 20-18.310') : 'CSS art. R142-1-A',
      entrees: { motif, definitif: String(definitif) },
      valeur: ok ? 'rectifié' : 'définitif, non rectifié',
    },
  };
}

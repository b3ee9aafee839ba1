/** The demo's notification step: render and send (to the .eml outbox without SMTP settings); sends nothing twice. */
import { join } from 'node:path';
import type { Db } from '../../lib/db.ts';
import { progress } from '../../lib/progress.ts';
import { envoyerNotifications } from '../notifications/pipeline.ts';

export async function envoyerLesNotifications(db: Db, annee: number, outDir: string): Promise<{ resume: string; sorties: Record<string, string> }> {
  const rendu = progress('4. notifications : rendu des PDF');
  const envoi = progress('4. notifications : envoi');
  const r = await envoyerNotifications(db, { annee, outDir, progression: (etape, f, t) => (etape === 'rendu' ? rendu : envoi).update(f, t) });
  rendu.stop();
  envoi.stop();
  return {
    resume: `${r.destinataires} destinataires ; ce passage : ${r.rendues_ce_passage} PDF rendus, ${r.envoyees_ce_passage} envoyées (${r.transport}) ; au total ${r.envoyees} envoyées, ${r.papier} au lot d'impression`,
    sorties: {
      'notifications envoyées (.eml, sans SMTP configuré)': join(outDir, 'outbox', String(annee)),
      "lot d'impression (sans notification dématérialisée)": join(outDir, 'impression', String(annee)),
    },
  };
}

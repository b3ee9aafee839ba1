/** The DSN part of a scheduled ingestion: which files were rejected and why, how many declarations were retained. */
import type { Db } from '../lib/db.ts';
import { ingererDsn } from '../pipelines/ingest-dsn/load.ts';

export async function ingererFichiersDsn(db: Db, fichiers: string[]): Promise<{ rejetes: Map<string, string>; retenues: number }> {
  const r = await ingererDsn(db, fichiers);
  return { rejetes: new Map(r.fichiers.filter((f) => f.statut === 'rejete').map((f) => [f.fichier, f.raison ?? 'rejeté'])), retenues: r.declarations_retenues };
}

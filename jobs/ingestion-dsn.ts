/** The DSN part of a scheduled ingestion: which files were rejected, how many declarations were retained. */
import type { Db } from '../lib/db.ts';
import { ingererDsn } from '../pipelines/ingest-dsn/load.ts';

export async function ingererFichiersDsn(db: Db, fichiers: string[]): Promise<{ rejetes: Set<string>; retenues: number }> {
  const r = await ingererDsn(db, fichiers);
  return { rejetes: new Set(r.fichiers.filter((f) => f.statut === 'rejete').map((f) => f.fichier)), retenues: r.declarations_retenues };
}

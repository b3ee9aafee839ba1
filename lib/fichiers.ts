/**
 * Atomic file writes: the content goes to a temporary file next to the target, then replaces it by a rename, so a
 * reader never sees half a file; when the write fails (disk full, no access, killed stream) the temporary file is
 * removed — never an orphan `.tmp` — and the error is raised.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary name of a target (same folder: the rename stays on one file system). */
export const cheminTemporaire = (chemin: string) => join(dirname(chemin), `.${basename(chemin)}.${process.pid}.tmp`);

export function ecrireAtomique(chemin: string, contenu: string | Uint8Array, encodage?: BufferEncoding): void {
  mkdirSync(dirname(chemin), { recursive: true });
  const tmp = cheminTemporaire(chemin);
  try {
    writeFileSync(tmp, contenu, encodage ? { encoding: encodage } : undefined);
    renameSync(tmp, chemin);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Shared plumbing of CLI commands: open the database, report user errors as one line, set the exit code. */
import { openDb, type Db } from '../lib/db.ts';
import { UserError } from '../lib/errors.ts';
import { erreurFichiers, messageSansSql, pileSansMessage } from '../lib/erreurs-environnement.ts';

export async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Runs a command action; a UserError becomes its message on stderr and the error's exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void | number>) {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (e) {
      const err = e instanceof UserError ? e : erreurFichiers(e);
      if (err) {
        process.stderr.write(`atmp: ${err.message}\n`);
        process.exitCode = err.exitCode;
      } else {
        // the reason and where it happened; never the SQL statement (it may carry personal data)
        process.stderr.write(`atmp: erreur interne : ${messageSansSql(e)}\n${pileSansMessage(e)}\n`);
        process.exitCode = 70;
      }
    }
  };
}

export const printJson = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + '\n');

export function parseAnnee(v: string): number {
  const n = Number(v);
  if (!/^\d{4}$/.test(v) || n < 2000 || n > 2100) throw new UserError(`année "${v}" invalide (AAAA attendu)`, 2);
  return n;
}

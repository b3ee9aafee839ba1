/** Shared plumbing of CLI commands: open the database, report user errors as one line, set the exit code. */
import { openDb, type Db } from '../lib/db.ts';
import { UserError } from '../lib/errors.ts';

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
      if (e instanceof UserError) {
        process.stderr.write(`atmp: ${e.message}\n`);
        process.exitCode = e.exitCode;
      } else {
        process.stderr.write(`atmp: erreur interne : ${(e as Error).stack ?? e}\n`);
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

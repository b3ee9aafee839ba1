/**
 * Golden cases: one situation per file in test/cases/ (readable by a tarification agent: what goes in, the
 * expected figures, and how they were computed by hand), run through the simulator by this one runner.
 * `attendu` lists output fields compared exactly; `erreur` a fragment of the expected refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { EntreeInvalide, simuler } from '../pipelines/simulation/simuler.ts';

interface Cas {
  nom: string;
  description?: string;
  entree: unknown;
  attendu?: Record<string, unknown>;
  erreur?: string;
}

const dir = join(ROOT, 'test', 'cases');
const cas = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ fichier: f, ...(parse(readFileSync(join(dir, f), 'utf8')) as Cas) }));

let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

describe('golden cases (test/cases)', () => {
  it('there are cases to run', () => expect(cas.length).toBeGreaterThan(20));

  it.each(cas)('$fichier: $nom', async (c) => {
    if (c.erreur) {
      const err = await simuler(db.knex, c.entree).then(
        () => undefined,
        (e) => e,
      );
      expect(err, 'a refusal was expected').toBeInstanceOf(EntreeInvalide);
      expect((err as Error).message).toContain(c.erreur);
      return;
    }
    expect(c.attendu, `${c.fichier}: attendu or erreur required`).toBeDefined();
    const out = (await simuler(db.knex, c.entree)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(c.attendu!)) expect(out[k], `${c.fichier}: ${k}`).toEqual(v);
    // every result explains itself, ending with the notified rate
    expect((out.explication as { id: string; valeur: string }[]).at(-1)).toMatchObject({ id: 'taux_notifie', valeur: out.taux_notifie });
  });
});

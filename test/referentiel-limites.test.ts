/**
 * Every text field of every CSV import is bounded and free of control characters (lib/limites.ts): a 5 MB company
 * name, which used to be loaded and then crash the rendering of the whole campaign, is refused with
 * file:line (column), and nothing of its file is loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { importerBareme } from '../pipelines/bareme/import.ts';

let db: TestDb;
let dir: string;
beforeAll(async () => {
  db = await testDb();
  dir = tempDir('atmp-limites-');
});
afterAll(async () => db?.drop());

const ecrire = (nom: string, texte: string) => {
  const p = join(dir, nom);
  writeFileSync(p, texte);
  return p;
};

describe('length limits and control characters in the imports', () => {
  it('a 5 MB company name and a NUL byte are refused with file:line (column); nothing is loaded', async () => {
    const f = ecrire('entreprises.csv', `siren;raison_sociale;siret_siege;commune\n123456782;${'A'.repeat(5_000_000)};12345678200028;Lille\n732829320;Bonne;73282932000074;Ar\u0000ras\n`);
    const r = await importerReferentiel(db.knex, [f]);
    expect(r.charges).toEqual([]);
    expect(r.rejetes).toHaveLength(1);
    const m = r.rejetes[0].message;
    expect(m).toContain(`${f}:2 (raison_sociale): valeur de 5000000 caractères, au plus 200 admis`);
    expect(m).toContain(`${f}:3 (commune): caractère de contrôle U+0000 dans la valeur`);
    expect(m.length).toBeLessThan(2000);
    expect(await db.knex('entreprise').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('a barème label beyond its limit is refused', async () => {
    const f = ecrire('annexe1.csv', `code_risque;taux_net;ctn;libelle\n99.9ZZ;2.5;A;${'L'.repeat(400)}\n`);
    await expect(importerBareme(db, { annee: 2024, fichier: f })).rejects.toThrow(/annexe1\.csv:2 \(libelle\): valeur de 400 caractères, au plus 300 admis/);
  });
});

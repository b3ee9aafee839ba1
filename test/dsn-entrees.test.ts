/**
 * One bad entry never blocks the good ones: a broken link or a loop of links in a DSN folder, a sinistre_id
 * beyond the index limit, are reported on their own and the other files load; the scheduler moves refused files
 * (and entries it cannot even examine) to rejetes/ with their reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { ROOT, tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { ingererDsn } from '../pipelines/ingest-dsn/load.ts';
import { texteDsn } from '../pipelines/ingest-dsn/synthetique.ts';
import { importerSinistres } from '../pipelines/ingest-sinistres/import.ts';
import { executerJob } from '../jobs/schedule.ts';

let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

function dsn(dir: string, nom: string, prefixe: string) {
  const siren = avecCleLuhn(prefixe);
  const nic = avecCleLuhn(siren + '0001').slice(9);
  writeFileSync(join(dir, nom), iconv.encode(texteDsn([{ declarations: [{ siren, nic, mois: '032025', individus: [{ contrats: [{ debut: '01012020' }], bases: [{ debut: '01032025', montant: '1500.00' }] }] }] }]), 'win1252'));
  return siren + nic;
}

describe('DSN folders with bad entries', () => {
  it('reports a broken link and loops of links, and loads the good files', async () => {
    const dir = tempDir('atmp-dsn-liens-');
    const bon1 = dsn(dir, 'a.dsn', '41100001');
    mkdirSync(join(dir, 'sous'));
    const bon2 = dsn(join(dir, 'sous'), 'b.dsn', '41100002');
    symlinkSync(join(dir, 'absent.dsn'), join(dir, 'casse.dsn'));
    symlinkSync(join(dir, 'boucle.dsn'), join(dir, 'boucle.dsn'));
    symlinkSync(dir, join(dir, 'sous', 'retour'));
    const vus: string[] = [];
    const r = await ingererDsn(db, [dir], (f) => vus.push(`${f.statut} ${f.raison ?? f.fichier}`), { lecteurs: 0 });
    expect(r.charges).toBe(2);
    expect(r.rejetes).toBe(3);
    const raisons = r.fichiers.filter((f) => f.statut === 'rejete').map((f) => f.raison);
    expect(raisons).toEqual(expect.arrayContaining([
      expect.stringMatching(/casse\.dsn:0: lien symbolique cassé/),
      expect.stringMatching(/boucle\.dsn:0: boucle de liens symboliques \(ELOOP\)/),
      expect.stringMatching(/sous\/retour:0: boucle de liens symboliques \(dossier .* déjà parcouru\)/),
    ]));
    expect(vus).toHaveLength(5);
    const charges = (await db.knex('dsn_declaration').whereIn('siret', [bon1, bon2]).select('siret')).map((x) => x.siret).sort();
    expect(charges).toEqual([bon1, bon2].sort());
    expect(await db.knex('dsn_rejet').where('chemin', 'like', '%casse.dsn').count({ n: '*' }).first()).toEqual({ n: 1 });
  });
});

describe('sinistres', () => {
  const entete = 'sinistre_id;siret;nature;date_accident;annee_imputation;jours_arret;date_extraction';
  it('a sinistre_id beyond the limit is a rejected row, not a crash of the command; the other files load', async () => {
    const dir = tempDir('atmp-sin-');
    const long = join(dir, 'long.csv');
    writeFileSync(long, `${entete}\n${'X'.repeat(5000)};12345678200028;AT;2023-05-10;2023;10;2023-09-30\nS2;12345678200028;AT;2023-05-10;2023;10;2023-09-30\n`);
    const bon = join(dir, 'bon.csv');
    writeFileSync(bon, `${entete}\nS3;12345678200028;AT;2023-05-10;2023;10;2023-09-30\n`);
    const res = await importerSinistres(db.knex, [long, bon], { partiel: false, outDir: dir });
    expect(res[0]).toMatchObject({ applique: false, rejets: [{ file: long, line: 2, column: 'sinistre_id', reason: 'valeur de 5000 caractères, au plus 64 admis' }] });
    expect(res[1]).toMatchObject({ applique: true, versions: 1 });
    expect((await db.knex('sinistre').select('sinistre_id')).map((x) => x.sinistre_id)).toEqual(['S3']);
  });
});

describe('atmp schedule: the inbox', () => {
  it('moves refused files, broken links included, to rejetes/ with their reason, and loads the rest', async () => {
    const depot = join(tempDir('atmp-depot-'), 'depot');
    mkdirSync(depot);
    const bon = dsn(depot, 'bon.dsn', '41100003');
    writeFileSync(join(depot, 'mauvais.dsn'), "S10.G00.00.001,'X'\n");
    symlinkSync(join(depot, 'nulle-part.dsn'), join(depot, 'lien.dsn'));
    copyFileSync(join(ROOT, 'test', 'fixtures', 'referentiel', 'groupes.csv'), join(depot, 'groupes.csv'));
    writeFileSync(join(depot, 'entreprises.csv'), 'siren;raison_sociale;siret_siege\n123456782;' + 'A'.repeat(300) + ';12345678200028\n');
    const env = { DATABASE_URL: process.env.DATABASE_URL, ATMP_DATA_DIR: process.env.ATMP_DATA_DIR };
    const journal: Record<string, unknown>[] = [];
    try {
      if (db.url) process.env.DATABASE_URL = db.url;
      else process.env.ATMP_DATA_DIR = join(tempDir(), 'db');
      await executerJob({ nom: 'depot', cron: '* * * * *', type: 'ingestion', dossier: depot }, new Date('2026-12-01T02:00:00Z'), (e) => journal.push(e));
    } finally {
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    expect(journal.at(-1)).toMatchObject({ evenement: 'fin', rejetes: 3 });
    expect(existsSync(join(depot, 'traites', 'bon.dsn'))).toBe(true);
    expect(existsSync(join(depot, 'traites', 'groupes.csv'))).toBe(true);
    expect(readFileSync(join(depot, 'rejetes', 'lien.dsn.raison.txt'), 'utf8')).toMatch(/lien\.dsn: lien symbolique cassé/);
    expect(readFileSync(join(depot, 'rejetes', 'mauvais.dsn.raison.txt'), 'utf8')).toMatch(/mauvais\.dsn:\d+: /);
    expect(readFileSync(join(depot, 'rejetes', 'entreprises.csv.raison.txt'), 'utf8')).toMatch(/entreprises\.csv:2 \(raison_sociale\): valeur de 300 caractères, au plus 200 admis/);
    expect(bon).toHaveLength(14);
  });
});

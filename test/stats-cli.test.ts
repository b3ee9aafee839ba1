/**
 * `atmp stats sinistralite` run once as a user would: the real command line in a child process on a database
 * holding the hand-computed fixture (test/fixtures/statistiques/sinistralite-2024.yaml).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { chargerFixture, lireFixture } from './fixtures/statistiques/charger.ts';

const fx = lireFixture();
let db: TestDb | undefined;
let env: Record<string, string | undefined>;
let dir: string;

beforeAll(async () => {
  dir = tempDir('atmp-stats-cli-');
  if (process.env.DATABASE_URL) {
    db = await testDb();
    await chargerFixture(db.knex, fx, dir);
    await db.close(); // the child process opens its own connection
    env = { DATABASE_URL: db.url, ATMP_OUT_DIR: join(dir, 'out'), ATMP_QUIET: '1' };
  } else {
    const dataDir = join(dir, 'db');
    const local = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
    try {
      await chargerFixture(local.knex, fx, dir);
    } finally {
      await local.close(); // releases the data folder's lock for the child
    }
    env = { DATABASE_URL: '', ATMP_DATA_DIR: dataDir, ATMP_OUT_DIR: join(dir, 'out'), ATMP_QUIET: '1' };
  }
});
afterAll(async () => db?.drop());

const atmp = (args: string[]): Promise<CliResult> => runCli(args, env);

describe('atmp stats sinistralite', () => {
  it('writes the CTN table under ATMP_OUT_DIR, says where, and refuses a bad --par', async () => {
    const r = await atmp(['stats', 'sinistralite', '--annee', String(fx.annee), '--par', 'ctn', '--fr', '--bom']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const chemin = join(dir, 'out', 'statistiques', `sinistralite-${fx.annee}-ctn.csv`);
    expect(r.stdout).toContain(`Statistiques de sinistralité ${fx.annee} par ctn : 3 ligne(s) dont 1 sous secret statistique (0 par secret secondaire), écrites dans ${chemin} ; comparaison : aucune table nationale chargée`);
    const texte = readFileSync(chemin, 'utf8');
    expect(texte.charCodeAt(0)).toBe(0xfeff);
    const lignes = texte.slice(1).split('\r\n').filter((l) => l && !l.startsWith('#'));
    expect(lignes[0].split(';').slice(0, 4)).toEqual(['ctn', 'libelle', 'secret', 'motif_secret']);
    // CTN A of the fixture: 7 AT (5 with 4 days or more), 158 days, 3 IP (1 < 10 %), IF 250,00 ; TF 138,89 ; TG 3,13 ;
    // IG 3412,70 ; no national table loaded: the 21 national columns are empty
    expect(lignes[1]).toMatch(/^A;Métallurgie;non;;3;3;28,00;50400;1008000;7;5;158;3;1;2;8;172;1;/);
    expect(lignes[1].endsWith(';250,00;138,89;3,13;3412,70' + ';'.repeat(21))).toBe(true);
    expect(lignes[3]).toMatch(/^D;Alimentation;oui;dominance;;;/);

    const bad = await atmp(['stats', 'sinistralite', '--annee', String(fx.annee), '--par', 'departement']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--par departement');
  });

  it('--help states the definitions and the secrecy rule', async () => {
    const r = await atmp(['stats', 'sinistralite', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('indice de fréquence = AT × 1 000 / salariés');
    expect(r.stdout).toContain("journées d'IT : comptées l'année où elles sont payées");
    expect(r.stdout).toContain('moins de 3 entreprises');
    expect(r.stdout).toContain('85 %');
  });
});

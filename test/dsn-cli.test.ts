import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { testDb, type TestDb } from './helpers/db.ts';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { texteDsn } from '../pipelines/ingest-dsn/synthetique.ts';

let db: TestDb | undefined;
let env: Record<string, string | undefined>;
let dir: string;

beforeAll(async () => {
  dir = tempDir('atmp-dsn-cli-');
  if (process.env.DATABASE_URL) {
    db = await testDb();
    await db.close(); // the child process opens its own connection
    env = { DATABASE_URL: db.url };
  } else env = { DATABASE_URL: '', ATMP_DATA_DIR: join(dir, 'db') };
});
afterAll(async () => {
  await db?.drop();
});

const atmp = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, { ...env, ...extra });

describe('atmp ingest dsn / atmp etablissement', () => {
  const siren = avecCleLuhn('13579246');
  const siret = avecCleLuhn(siren + '0001');
  it('loads the good files, rejects the bad one with file:line, exits non-zero, then shows the establishment', async () => {
    const bon = join(dir, 'bon.dsn');
    writeFileSync(
      bon,
      iconv.encode(
        texteDsn([{ declarations: [{ siren, nic: siret.slice(9), mois: '102025', individus: [{ contrats: [{ debut: '01012020', codeRisque: '452BE', taux: '02.30' }], bases: [{ debut: '01102025', montant: '2500.10' }, { debut: '01092025', montant: '-0.10' }], heures: '151.67' }] }] }]),
        'win1252',
      ),
    );
    const mauvais = join(dir, 'mauvais.dsn');
    writeFileSync(mauvais, "S10.G00.00.001,'X'\nS10.G00.00.005,'02'\nS20.G00.05.001,'01'\n");
    const r = await atmp(['ingest', 'dsn', mauvais, bon]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`REJETÉ ${mauvais}:3: envoi tronqué`);
    expect(r.stdout).toContain('Résumé : 1 fichier(s) chargé(s), 0 déjà chargé(s), 1 rejeté(s) ; déclarations : 1 retenue(s)');

    const again = await atmp(['ingest', 'dsn', bon]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('déjà chargé');

    const v = await atmp(['etablissement', siret, '--json']);
    expect(v.code).toBe(0);
    const j = JSON.parse(v.stdout);
    expect(j.mois).toEqual([
      { mois: '2025-09', masse_salariale: '-0.1', effectif: null, heures: '0', codes_risque: [], taux_at: {} },
      { mois: '2025-10', masse_salariale: '2500.1', effectif: '1', heures: '151.67', codes_risque: ['452BE'], taux_at: { '452BE': '2.30' } },
    ]);
    expect(j.annees[0]).toMatchObject({ annee: 2025, masse_salariale: '2500', effectif_entreprise: '1.00' });

    const texte = await atmp(['etablissement', siret]);
    expect(texte.stdout).toContain('452BE (2.30 %)');
  });
  it('unknown and malformed SIRET exit non-zero with a reason', async () => {
    const inconnu = await atmp(['etablissement', avecCleLuhn('2468013570001')]);
    expect(inconnu.code).toBe(1);
    expect(inconnu.stderr).toContain('inconnu');
    const faux = await atmp(['etablissement', '12345678901234']);
    expect(faux.code).toBe(2);
    expect(faux.stderr).toContain('clé de contrôle');
  });
});

/**
 * The decision commands run by the real executable: validation records the campaign decisions, a ristourne granted
 * at the command line, the history in `atmp etablissement`, the rate export and the budget, argument errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { importerFixtureCampagne, lireFixtureCampagne } from './helpers/campagne-2020.ts';
import { lancerCampagne } from '../pipelines/campagne/run.ts';

let env: Record<string, string | undefined>;
let pg: TestDb | undefined;
const atmp = (args: string[]): Promise<CliResult> => runCli(args, { ATMP_QUIET: '1', ATMP_OUT_DIR: tempDir(), ...env });

beforeAll(async () => {
  const preparer = async (db: TestDb) => {
    await importerFixtureCampagne(db, lireFixtureCampagne());
    await lancerCampagne(db, { annee: 2020 });
  };
  if (backend === 'postgres') {
    pg = await testDb();
    await preparer(pg);
    env = { DATABASE_URL: pg.url };
  } else {
    const dataDir = join(tempDir('atmp-decisions-cli-'), 'db');
    const db = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
    try {
      await preparer(Object.assign(db, { drop: () => db.close() }));
    } finally {
      await db.close();
    }
    env = { DATABASE_URL: undefined, ATMP_DATA_DIR: dataDir };
  }
}, 180_000);
afterAll(async () => pg?.drop());

describe('atmp decision, taux export, etablissement history', () => {
  it('a ristourne needs a notified rate: refused before validation', async () => {
    const r = await atmp(['decision', 'ristourne', '--siret', '30000000700017', '--code-risque', '52.1BC', '--pourcentage', '10', '--date', '2020-09-10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('aucun taux en vigueur le 2020-10-01 pour 30000000700017 52.1BC : campagne 2020 non validée');
  }, 120_000);

  it('grants a ristourne on the validated campaign and shows it in the history and the export', async () => {
    expect((await atmp(['campagne', 'valider', '--annee', '2020', '--agent', 'valideur'])).code).toBe(0);
    const r = await atmp(['decision', 'ristourne', '--siret', '30000000700017', '--code-risque', '52.1BC', '--pourcentage', '10', '--date', '2020-09-10', '--agent', 'agent-prevention']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^décision n° \d+ ristourne travail 2020 30000000700017 52\.1BC \(principale\) : 4,63 % du 2020-10-01 au 2020-12-31/);
    expect(r.stdout).toContain('aucun taux 2021 notifié');

    const e = await atmp(['etablissement', '30000000700017']);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('du 01/01/2020 au 30/09/2020 : 4,80 % — campagne');
    expect(e.stdout).toContain('du 01/10/2020 au 31/12/2020 : 4,63 % — ristourne travail');
    expect(e.stdout).toContain('décidée par valideur');

    const x = await atmp(['taux', 'export', '--annee', '2020', '--siren', '300000007', '--out', '-']);
    expect(x.code).toBe(0);
    expect(x.stdout.split('\n').slice(0, 3)).toEqual([
      'siret;siren;code_risque;section;bureau;fsna;taux;debut;fin;nature;decision',
      expect.stringMatching(/^30000000700017;300000007;52\.1BC;principale;non;non;4\.80;2020-01-01;2020-09-30;campagne;\d+$/),
      expect.stringMatching(/^30000000700017;300000007;52\.1BC;principale;non;non;4\.63;2020-10-01;2020-12-31;ristourne;\d+$/),
    ]);
    const b = await atmp(['decisions', 'budget', '--annee', '2020', '--json']);
    expect(JSON.parse(b.stdout)).toMatchObject({ plafond: '1015.40', accorde: '415.38' });
  }, 180_000);

  it('a new CPAM extract makes a claim inopposable: detecter, appliquer (letter), URSSAF export; applying again changes nothing', async () => {
    const f = join(tempDir(), 'sinistres-2020-06.csv');
    writeFileSync(f, [
      'sinistre_id;siret;nature;date_accident;date_declaration;annee_imputation;jours_arret;taux_ip;date_notification_ip;inopposable;date_inopposabilite;date_extraction',
      'S3;20000000800017;AT;2018-02-01;2018-02-02;2018;200;;;oui;2020-05-20;2020-06-30',
    ].join('\n') + '\n');
    expect((await atmp(['ingest', 'sinistres', f])).code).toBe(0);
    // S3 (IT6) removed: VR 1 194 € → TB 0,0199 → TN 0,73, floored at 1,15 (P 1,95): the main and the merged bureau section
    const d = await atmp(['rectification', 'detecter', '--date', '2020-07-01']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('2020 20000000800017 00.00B (bureau) : 1,72 % → 1,15 % — à rectifier (date de notification inconnue)');
    expect(d.stdout).toContain('2020 20000000800017 27.1ZF (principale) : 1,72 % → 1,15 % — à rectifier');
    expect(d.stdout).toContain('sinistre S3 version 2 (extrait du 2020-06-30) : déclaré inopposable');
    const a = await atmp(['rectification', 'appliquer', '--motif', 'inopposabilite', '--date', '2020-07-01', '--agent', 'agent-tarif']);
    expect(a.stderr).toBe('');
    expect(a.stdout).toContain('2 taux rectifiés, 0 définitifs non rectifiés');
    const lettre = /lettre (\S+200000008-\d+-\d+\.pdf)/.exec(a.stdout);
    expect(lettre).not.toBeNull();
    expect(existsSync(lettre![1])).toBe(true);
    const u = await atmp(['rectification', 'urssaf', '--annee', '2020']);
    expect(u.stdout.split('\n').slice(0, 3)).toEqual([
      'siret;code_risque;section;debut;fin;ancien_taux;nouveau_taux;decision;decide_le;motif',
      expect.stringMatching(/^20000000800017;00\.00B;bureau;2020-01-01;2020-12-31;1\.72;1\.15;\d+;\d{4}-\d\d-\d\d;sinistre déclaré inopposable/),
      expect.stringMatching(/^20000000800017;27\.1ZF;principale;2020-01-01;2020-12-31;1\.72;1\.15;/),
    ]);
    const again = await atmp(['rectification', 'appliquer', '--motif', 'inopposabilite', '--date', '2020-07-01', '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ rectifications: [], lettres: [] });
  }, 240_000);

  it('refuses bad arguments with exit code 2', async () => {
    const r = await atmp(['decision', 'cotisation-supplementaire', '--siret', '30000000700017', '--code-risque', '52.1BC', '--stade', 'amende', '--date-constat', '2020-03-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--stade amende : injonction, delai-depasse, six-mois, recidive');
    const f = await atmp(['taux', 'export', '--annee', '2020', '--format', 'xlsx']);
    expect(f.code).toBe(2);
    const d = await atmp(['rectification', 'detecter', '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toEqual([]);
  }, 120_000);
});

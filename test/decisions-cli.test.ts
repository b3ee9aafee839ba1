/**
 * The decision commands run by the real executable: validation records the campaign decisions, a ristourne granted
 * at the command line, the history in `atmp etablissement`, the rate export and the budget, argument errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
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

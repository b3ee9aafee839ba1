import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';
import { importerBareme } from '../pipelines/bareme/import.ts';
import { rapportBareme } from '../pipelines/bareme/show.ts';
import { chargerBareme } from '../pipelines/bareme/load.ts';
import { ensureReferenceLoaded } from '../pipelines/bareme/reference.ts';
import { InputRejected } from '../lib/errors.ts';

const fixture = (f: string) => join(ROOT, 'test', 'fixtures', 'bareme', f);
let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

describe('shipped barèmes', () => {
  it('2024: majorations, collective rates and missing coûts moyens', async () => {
    const r = await rapportBareme(db.knex, 2024);
    expect(r.majorations).toMatchObject({ m1: '0.17', m2: '58', m3: '0.16', m4: '0.03', tnmn: '2.12' });
    expect(r.taux_collectifs.valeurs['52.1BC']).toBe('2.05');
    expect(r.taux_collectifs.valeurs['60.2MG']).toBe('5.22');
    expect(Object.keys(r.couts_moyens_manquants).sort()).toEqual(['H', 'I']);
    expect(r.couts_moyens.A.IT1).toBe('287');
  });

  it('every year 2016–2022 and 2024–2026 has collective rates, 2023 has none', async () => {
    for (const y of [2016, 2017, 2018, 2019, 2020, 2021, 2022, 2024, 2025, 2026]) {
      expect((await rapportBareme(db.knex, y)).taux_collectifs.nombre, String(y)).toBeGreaterThan(150);
    }
    const r2023 = await rapportBareme(db.knex, 2023);
    expect(r2023.taux_collectifs.nombre).toBe(0);
    expect(r2023.manquants[0]).toMatch(/taux collectifs 2023 non chargés.*26 décembre 2022/);
  });

  it('D.242-6-14 marks are published 2016–2020 and carried as "latest known" afterwards', async () => {
    const b = await chargerBareme(db.knex, 2024);
    expect(b.tauxCollectifs.get('85.3AB')?.collectifQuelQueSoitEffectif ?? null).toBeNull();
    expect(b.marquesTcConnues.get('40.1ZE')).toEqual({ valeur: true, annee: 2020 });
    expect(b.codes.get('52.1BC')?.ctn).toBe('D');
    expect(b.groupesBtp.get('00.00A')).toBe('BTP_FONCTIONS_SUPPORT');
  });

  it('reloading the same reference files is a no-op', async () => {
    expect(await ensureReferenceLoaded(db)).toBe(false);
  });
});

describe('atmp bareme import', () => {
  it('rejects a coûts moyens file with one bad line, naming the line, and loads nothing', async () => {
    const before = await db.knex('bareme_cout_moyen').where({ annee: 2026 }).count({ n: '*' }).first();
    const err = await importerBareme(db, { annee: 2026, fichier: fixture('couts-moyens-ligne-6-negative.csv') }).catch((e) => e);
    expect(err).toBeInstanceOf(InputRejected);
    expect((err as InputRejected).problems).toHaveLength(1);
    expect((err as InputRejected).problems[0]).toMatchObject({ line: 6, column: 'montant' });
    expect(err.message).toMatch(/couts-moyens-ligne-6-negative\.csv:6 \(montant\): montant "-12"/);
    const after = await db.knex('bareme_cout_moyen').where({ annee: 2026 }).count({ n: '*' }).first();
    expect(after).toEqual(before);
    expect(await db.knex('bareme_import').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('rejects an incomplete CTN × category grid', async () => {
    const err = await importerBareme(db, { annee: 2026, fichier: fixture('couts-moyens-incomplets.csv') }).catch((e) => e);
    expect(err.message).toMatch(/grille des coûts moyens incomplète : manquent I \(IP4\)/);
  });

  it('loads a complete grid (French decimals and spaces accepted) and the year is then complete', async () => {
    const r = await importerBareme(db, { annee: 2026, fichier: fixture('couts-moyens-complets.csv'), source: 'arrêté de test' });
    expect(r).toMatchObject({ type: 'couts_moyens', lignes: 93 });
    const rep = await rapportBareme(db.knex, 2026);
    expect(rep.couts_moyens_manquants).toEqual({});
    expect(rep.couts_moyens.B.BTP_SECOND_OEUVRE).toBe('151000.50');
    const b = await chargerBareme(db.knex, 2026);
    expect(b.sourcesCoutsMoyens.get('A')).toBe('arrêté de test');
  });

  it('reports every bad line of a collective-rate file: unreadable rate, bad format, duplicate', async () => {
    const err = (await importerBareme(db, { annee: 2027, fichier: fixture('taux-2027-mauvais.csv') }).catch((e) => e)) as InputRejected;
    expect(err.problems.map((p) => [p.line, p.column])).toEqual([[3, 'taux_net'], [4, 'code_risque'], [5, 'code_risque']]);
    expect((await rapportBareme(db.knex, 2027)).taux_collectifs.nombre).toBe(0);
  });

  it('refuses an impossible date (30 February) in a majorations file', async () => {
    const err = (await importerBareme(db, { annee: 2027, fichier: fixture('majorations-2027-date-impossible.csv') }).catch((e) => e)) as InputRejected;
    expect(err.problems).toEqual([expect.objectContaining({ line: 2, column: 'date_fin' })]);
  });

  it('loads next year’s rates (adding a new code with its CTN) and majorations', async () => {
    await importerBareme(db, { annee: 2027, fichier: fixture('taux-2027.csv') });
    await importerBareme(db, { annee: 2027, fichier: fixture('majorations-2027.csv') });
    const r = await rapportBareme(db.knex, 2027);
    expect(r.taux_collectifs.valeurs).toEqual({ '52.1BC': '2.11', '60.2MG': '5.40', '99.9ZZ': '1.50' });
    expect(r.majorations).toMatchObject({ m1: '0.20', m2: '55', tnmn: '2.10', date_debut: '2027-01-01' });
    const b = await chargerBareme(db.knex, 2027);
    expect(b.codes.get('99.9ZZ')?.ctn).toBe('C');
  });

  it('an imported year survives a reload of the shipped files', async () => {
    await db.knex('reference_version').del();
    expect(await ensureReferenceLoaded(db)).toBe(true);
    expect((await rapportBareme(db.knex, 2026)).couts_moyens.B.BTP_SECOND_OEUVRE).toBe('151000.50');
    expect((await rapportBareme(db.knex, 2024)).couts_moyens.A.IT1).toBe('287');
  });
});

describe('atmp bareme (command line)', () => {
  const env = () =>
    db.url ? { DATABASE_URL: db.url } : { DATABASE_URL: '', ATMP_DATA_DIR: join(tempDir(), 'db') };

  it('show 2024 --json, show 2023 fails, import with a bad line fails', async () => {
    const e = env();
    const ok = await runCli(['bareme', 'show', '2024', '--json'], e);
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.stdout);
    expect([r.majorations.m1, r.majorations.m2, r.majorations.m3, r.majorations.m4, r.majorations.tnmn]).toEqual(['0.17', '58', '0.16', '0.03', '2.12']);
    expect([r.taux_collectifs.valeurs['52.1BC'], r.taux_collectifs.valeurs['60.2MG']]).toEqual(['2.05', '5.22']);

    const missing = await runCli(['bareme', 'show', '2023'], e);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/taux collectifs 2023 ne sont pas chargés/);

    const bad = await runCli(['bareme', 'import', '--annee', '2026', fixture('couts-moyens-ligne-6-negative.csv')], e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/couts-moyens-ligne-6-negative\.csv:6/);

    const help = await runCli(['bareme', 'import', '--help'], e);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--annee/);
  });
});

/** `atmp simulate` as a user runs it: JSON in (file or stdin), JSON out, exit 2 with a reason on bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, ROOT, tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';

let db: TestDb;
let env: Record<string, string>;
beforeAll(async () => {
  db = await testDb();
  env = db.url ? { DATABASE_URL: db.url } : { DATABASE_URL: '', ATMP_DATA_DIR: join(tempDir(), 'db') };
});
afterAll(async () => db?.drop());

describe('atmp simulate', () => {
  it('reads the README example file and prints the rate with its explanation', async () => {
    const r = await runCli(['simulate', join(ROOT, 'examples', 'individuel-2024.json')], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ annee: 2024, effectif: '200.00', mode: 'individuel', taux_collectif: '7.38', taux_brut: '1.0300', taux_net_individuel: '2.0861', taux_calcule: '2.09' });
    expect(out.ecretement).toMatchObject({ plancher: '3.60', plafond: '5.62', applique: true });
    expect(out.taux_notifie).toBe('3.60');
    expect(out.explication.map((e: { id: string }) => e.id)).toEqual(
      expect.arrayContaining(['effectif', 'mode', 'taux_collectif', 'valeur_du_risque', 'taux_brut', 'taux_net_individuel', 'arrondi', 'ecretement', 'taux_notifie']),
    );
  });

  it('reads stdin, and refuses malformed JSON with exit 2 and {"erreur"}', async () => {
    const r = await runCli(['simulate', '-'], env, '{"annee": 2024,');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).erreur).toMatch(/JSON mal formé/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bureau section from 2020 with exit 2', async () => {
    const input = JSON.stringify({ annee: 2021, entreprise: { effectif: '300' }, etablissement: { code_risque: '00.00B', section: 'bureau' } });
    const r = await runCli(['simulate'], env, input);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).erreur).toMatch(/taux bureau est supprimé/);
  });

  it('refuses an unknown key at any level with exit 2, naming its path', async () => {
    const input = JSON.stringify({
      annee: 2024, entreprise: { effectif: '300' }, etablissement: { code_risque: '27.1ZF' },
      sinistres: [{ annee: 2021, nature: 'AT', jours_arret: 3 }, { annee: 2022, nature: 'AT', jours_arret: 3, interimaire: true }],
    });
    const r = await runCli(['simulate'], env, input);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).erreur).toMatch(/^sinistres\[1\]\.interimaire : clé inconnue/);
    expect(r.stderr).toMatch(/sinistres\[1\]\.interimaire/);
    const r2 = await runCli(['simulate'], env, JSON.stringify({ annee: 2024, entreprise: { effectif: '300', salaries: 3 }, etablissement: { code_risque: '27.1ZF' } }));
    expect(r2.code).toBe(2);
    expect(JSON.parse(r2.stdout).erreur).toMatch(/^entreprise\.salaries : clé inconnue/);
  });

  it('charges a temp worker\'s claim by the intérim rule, and says so in the explanation', async () => {
    const input = JSON.stringify({
      annee: 2026, entreprise: { effectif: '300' }, etablissement: { code_risque: '27.1ZF' },
      masses_salariales: { 2022: '1000000', 2023: '1000000', 2024: '1000000' },
      bareme: { m1: '0.2', m2: '50', m3: '0.2', m4: '0.03', taux_collectifs: { '27.1ZF': '2.5' }, couts_moyens: { A: { IT1: '300', IT2: '600', IT3: '2000', IT4: '5000', IT5: '9000', IT6: '40000', IP1: '2000', IP2: '60000', IP3: '120000', IP4: '600000' } } },
      sinistres: [{ id: 'S1', annee: 2024, nature: 'AT', jours_arret: 10, interim: 'utilisatrice' }],
    });
    const r = await runCli(['simulate'], env, input);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.valeur_du_risque).toBe('300.00');
    expect(out.explication.find((e: { id: string }) => e.id === 'interim')).toMatchObject({
      reference: expect.stringContaining('décret 2024-723'), entrees: { 'part 0.5': '1 catégorie de sinistre' }, valeur: '1',
      detail: [{ id: 'S1', annee: 2024, categorie: 'IT2', part: '0.5' }],
    });
  });
});

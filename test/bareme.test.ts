import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';
import { importerBareme } from '../pipelines/bareme/import.ts';
import { rapportBareme } from '../pipelines/bareme/show.ts';
import { chargerBareme } from '../pipelines/bareme/load.ts';
import { ctnCompletsLivres, derniereAnneeTarifable, ensureReferenceLoaded, REFERENCE_DIR } from '../pipelines/bareme/reference.ts';
import { simuler } from '../pipelines/simulation/simuler.ts';
import { InputRejected } from '../lib/errors.ts';
import { parseCsv } from '../lib/csv.ts';

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

  it('every year 2016–2026 has its collective rates (annex 1); 2023 from the arrêté du 26 décembre 2022', async () => {
    for (let y = 2016; y <= 2026; y++) {
      expect((await rapportBareme(db.knex, y)).taux_collectifs.nombre, String(y)).toBeGreaterThan(150);
    }
    const r2023 = await rapportBareme(db.knex, 2023);
    expect(r2023.taux_collectifs).toMatchObject({ nombre: 215, confiance: 'C' });
    expect(r2023.taux_collectifs.source).toMatch(/26 décembre 2022.*JORFTEXT000046821482/);
    expect([r2023.taux_collectifs.valeurs['27.1ZF'], r2023.taux_collectifs.valeurs['45.2BE']]).toEqual(['8.04', '7.66']);
    expect(r2023.manquants.join('\n')).not.toMatch(/taux collectifs 2023 non chargés/);
  });

  it('every year 2016–2026 lists what is still missing, by annex, CTN and category', async () => {
    const attendu: Record<number, RegExp[]> = {
      2016: [/coûts moyens 2016 : CTN A manquant/, /taux net moyen national 2016 inconnu/],
      2019: [/CTN G incomplet \(IP2, IP3, IP4\) ; CTN H manquant ; CTN I manquant/],
      2021: [/coûts moyens 2021 : CTN A manquant/],
      2023: [/coûts moyens 2023 : CTN A manquant ; CTN B incomplet \(IT1, .*BTP_SECOND_OEUVRE\)/],
      2024: [/CTN H incomplet \(IT3, IT4, IT5, IT6, IP1, IP2, IP3, IP4\) ; CTN I manquant/, /Alsace-Moselle 2024 partiels : 4 codes chargés/],
      2025: [/CTN B incomplet \(IT3\)/, /CTN F manquant ; CTN G manquant ; CTN H manquant ; CTN I manquant/, /Alsace-Moselle 2025 partiels.*annexe 3 de l'arrêté du 29 avril 2025/],
      2026: [/coûts moyens 2026 : CTN A manquant/, /Alsace-Moselle 2026 non chargés \(annexe 3 de l'arrêté du 30 décembre 2025\)/],
    };
    for (let y = 2016; y <= 2026; y++) {
      const r = await rapportBareme(db.knex, y);
      expect(r.complet, String(y)).toBe(false);
      expect(r.majorations, String(y)).not.toBeNull();
      const texte = r.manquants.join('\n');
      if (y !== 2024 && y !== 2025) expect(texte, String(y)).toMatch(new RegExp(`taux collectifs Alsace-Moselle ${y} non chargés`));
      for (const re of attendu[y] ?? []) expect(texte, String(y)).toMatch(re);
      // every category the report calls missing is absent from the loaded values, and the other way round
      for (const [ctn, cats] of Object.entries(r.couts_moyens_manquants)) for (const c of cats) expect(r.couts_moyens[ctn]?.[c], `${y} ${ctn} ${c}`).toBeUndefined();
    }
  });

  it('Alsace-Moselle: the extracts of annex 3 found are loaded with their source and mark', async () => {
    const r = await rapportBareme(db.knex, 2025);
    expect(r.taux_collectifs_alsace_moselle).toMatchObject({ nombre: 4, confiance: 'S1', valeurs: { '00.00B': '0.71', '26.6AA': '5.03', '26.6EB': '5.03', '51.1TG': '1.07' } });
    expect(r.taux_collectifs_alsace_moselle.source).toMatch(/cerib\.com/);
    expect(r.taux_collectifs_alsace_moselle.codes_sans_taux).toBe(r.taux_collectifs.nombre - 4);
    const b = await chargerBareme(db.knex, 2024);
    expect(b.tauxCollectifsAlsaceMoselle.get('26.6AA')?.taux.toFixed(2)).toBe('5.16');
    expect(b.tauxCollectifs.get('26.6AA')?.taux.toFixed(2)).toBe('5.33');
  });

  it('the conflict between sources is named, the JO reproduction’s value loaded (2024 CTN A IP3)', async () => {
    const r = await rapportBareme(db.knex, 2024);
    expect(r.couts_moyens.A.IP3).toBe('133102');
    expect(r.couts_moyens_confiance.A.IP3).toBe('S1-conflit');
    expect(r.conflits).toEqual([expect.stringMatching(/^coût moyen 2024 CTN A IP3 : 133102 retenu — .*lexbase/)]);
  });

  it('the demo year is the latest the shipped barème rates: 2025, with CTN A, C, D, E complete', () => {
    expect(derniereAnneeTarifable()).toBe(2025);
    expect(ctnCompletsLivres(2025)).toEqual(['A', 'C', 'D', 'E']);
    expect(ctnCompletsLivres(2024)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G']);
    expect(ctnCompletsLivres(2026)).toEqual([]);
  });

  it('a missing barème value is named in the rate error (the message the campaign stores for the section)', async () => {
    const situation = (code: string, extra: Record<string, unknown> = {}) => ({
      annee: 2025, entreprise: { effectif: '200' }, etablissement: { code_risque: code, date_creation: '2010-01-01' },
      masses_salariales: { 2021: '1000000', 2022: '1000000', 2023: '1000000' }, sinistres: [], ...extra,
    });
    const erreur = (s: unknown) => simuler(db.knex, s).then(() => 'calculé', (e: Error) => e.message);
    expect(await erreur(situation('20.1AF'))).toMatch(/coûts moyens 2025 du CTN F non chargés/);
    expect(await erreur(situation('45.2BE'))).toMatch(/coûts moyens 2025 du CTN B incomplets \(IT3\)/);
    expect(await erreur({ ...situation('52.1BC'), entreprise: { effectif: '10' }, alsace_moselle: true })).toMatch(/taux collectif Alsace-Moselle 2025 du code 52\.1BC non chargé/);
    expect(await erreur({ ...situation('26.6AA'), entreprise: { effectif: '10' }, alsace_moselle: true })).toBe('calculé');
    expect(await erreur(situation('27.1ZF'))).toBe('calculé');
  });

  it('D.242-6-14 marks are published 2016–2020 and carried as "latest known" afterwards', async () => {
    const b = await chargerBareme(db.knex, 2024);
    expect(b.tauxCollectifs.get('85.3AB')?.collectifQuelQueSoitEffectif ?? null).toBeNull();
    expect(b.marquesTcConnues.get('40.1ZE')).toEqual({ valeur: true, annee: 2020 });
    expect(b.codes.get('52.1BC')?.ctn).toBe('D');
    expect(b.groupesBtp.get('00.00A')).toBe('BTP_FONCTIONS_SUPPORT');
  });

  it('every shipped value names its source and confidence mark', () => {
    const MARQUES = /^(C|S2|S1|S1-conflit)$/;
    const fichiers: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.csv') && fichiers.push(join(d, e.name));
    };
    walk(REFERENCE_DIR);
    let valeurs = 0;
    for (const f of fichiers) {
      const texte = readFileSync(f, 'utf8');
      const rel = f.slice(REFERENCE_DIR.length + 1);
      const { rows, header } = parseCsv(texte);
      if (rel.startsWith('taux-collectifs')) {
        // one source per annex: the header names the arrêté (and the copy read) and the confidence mark
        expect(/^# Source : .*(arrêté|https:)/m.test(texte), `${rel}: « # Source : »`).toBe(true);
        const confiance = /^# Confiance : (.*)$/m.exec(texte)?.[1] ?? 'C';
        expect(confiance, rel).toMatch(MARQUES);
        for (const { values: v } of rows) expect(v.taux_net, `${rel} ${v.code_risque}`).toMatch(/^\d+(\.\d+)?$/);
        valeurs += rows.length;
      } else if (rel.startsWith('couts-moyens') || rel === 'majorations.csv' || rel === 'groupes-btp.csv') {
        expect(header, rel).toContain('source');
        for (const { line, values: v } of rows) {
          // groupes-btp: a successor code names its predecessor in the published list
          expect(v.source, `${rel}:${line}`).toMatch(rel === 'groupes-btp.csv' ? /\S/ : /https?:\/\/|arrêté|legifrance|\.md/);
          const marque = v.confiance ?? v.confiance_majorations;
          expect(marque, `${rel}:${line}`).toBeTruthy();
          if (rel.startsWith('couts-moyens')) expect(v.confiance, `${rel}:${line}`).toMatch(MARQUES);
        }
        valeurs += rows.length;
      }
    }
    expect(valeurs).toBeGreaterThan(2500);
  });

  const secondaire2023 = join(ROOT, '..', 'shared', 'reference', 'taux_collectifs', 'taux-2023-partial-secondary.csv');
  it.skipIf(!existsSync(secondaire2023))('2023 collective rates agree with the secondary copies found (skipped when ../shared/reference is absent)', async () => {
    const r = await rapportBareme(db.knex, 2023);
    const lignes = parseCsv(readFileSync(secondaire2023, 'utf8')).rows;
    expect(lignes.length).toBeGreaterThanOrEqual(3);
    for (const { values: v } of lignes) expect(Number(r.taux_collectifs.valeurs[v.code_risque]), v.code_risque).toBe(Number(v.taux_net_pct));
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

describe('Alsace-Moselle annex imported beside the shipped annex 1', () => {
  it('replaces only the Alsace-Moselle table of its year, also after a reload of the shipped files', async () => {
    const avant = (await rapportBareme(db.knex, 2026)).taux_collectifs.nombre;
    await importerBareme(db, { annee: 2026, fichier: fixture('taux-alsace-moselle-2026.csv'), source: 'annexe 3 de test' });
    await db.knex('reference_version').del();
    expect(await ensureReferenceLoaded(db)).toBe(true);
    const r = await rapportBareme(db.knex, 2026);
    expect(r.taux_collectifs.nombre).toBe(avant);
    expect(r.taux_collectifs_alsace_moselle).toMatchObject({ nombre: 2, source: 'annexe 3 de test', valeurs: { '52.1BC': '2.31', '60.2MG': '5.12' } });
    expect((await rapportBareme(db.knex, 2025)).taux_collectifs_alsace_moselle.nombre).toBe(4);
  });
});

describe('atmp bareme (command line)', () => {
  const env = () =>
    db.url ? { DATABASE_URL: db.url } : { DATABASE_URL: '', ATMP_DATA_DIR: join(tempDir(), 'db') };

  it('show 2024 and 2023 --json, show 2015 fails, import with a bad line fails', async () => {
    const e = env();
    const ok = await runCli(['bareme', 'show', '2024', '--json'], e);
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.stdout);
    expect([r.majorations.m1, r.majorations.m2, r.majorations.m3, r.majorations.m4, r.majorations.tnmn]).toEqual(['0.17', '58', '0.16', '0.03', '2.12']);
    expect([r.taux_collectifs.valeurs['52.1BC'], r.taux_collectifs.valeurs['60.2MG']]).toEqual(['2.05', '5.22']);

    expect(Object.keys(r.couts_moyens.H)).toEqual(['IT1', 'IT2']);
    expect(r.couts_moyens_manquants.H).toEqual(['IT3', 'IT4', 'IT5', 'IT6', 'IP1', 'IP2', 'IP3', 'IP4']);

    const r2023 = await runCli(['bareme', 'show', '2023', '--json'], e);
    expect(r2023.code, r2023.stderr).toBe(0);
    const j2023 = JSON.parse(r2023.stdout);
    expect([j2023.taux_collectifs.valeurs['27.1ZF'], j2023.taux_collectifs.valeurs['45.2BE']]).toEqual(['8.04', '7.66']);

    const texte = await runCli(['bareme', 'show', '2025'], e);
    expect(texte.code).toBe(0);
    expect(texte.stdout).toMatch(/majorations : M1 0\.18, M2 56 %, M3 0\.19, M4 0\.03 ; taux net moyen national 2\.12 \(du 2025-05-01 au 2025-12-31\) \[S1\/S2, TNMN S2\]/);
    expect(texte.stdout).toMatch(/taux collectifs Alsace-Moselle : 4 codes risque \[S1\]/);
    expect(texte.stdout).toMatch(/coûts moyens : CTN A \[S1\], B-AM \[S1\], C \[S1\], D \[S1\], E \[S1\] complets/);
    expect(texte.stdout).toMatch(/- coûts moyens 2025 : CTN B incomplet \(IT3\)/);

    const missing = await runCli(['bareme', 'show', '2015'], e);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/aucun barème 2015 chargé/);

    const bad = await runCli(['bareme', 'import', '--annee', '2026', fixture('couts-moyens-ligne-6-negative.csv')], e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/couts-moyens-ligne-6-negative\.csv:6/);

    const help = await runCli(['bareme', 'import', '--help'], e);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--annee/);
  }, 180_000);
});

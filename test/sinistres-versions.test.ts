import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT } from './helpers/cli.ts';
import { importerFichierSinistres, lirePartTiers } from '../pipelines/ingest-sinistres/import.ts';
import { anneeImputationIP, categorieIPExtrait as categorieIP, categorieITExtrait as categorieIT, categoriesVersion, dateFixationIT } from '../rules/categories.ts';
import { D } from '../rules/decimal.ts';
import { exclusion, partImputee } from '../rules/imputation.ts';
import type { CategorieIP, CategorieIT } from '../rules/bareme.ts';
import { sinistresImputes, type SinistreRow } from '../pipelines/campagne/tarifier.ts';

const fixture = (f: string) => join(ROOT, 'test', 'fixtures', 'sinistres', f);
const outDir = mkdtempSync(join(tmpdir(), 'atmp-sinistres-'));
let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

const versions = (id: string) =>
  db.knex('sinistre_version').where({ sinistre_id: id }).orderBy('numero')
    .select('numero', 'date_extraction', 'jours_arret', 'categorie_it', 'it_fige', 'taux_ip', 'categorie_ip', 'ip_fige', 'annee_ip', 'inopposable');
/** The facts of a view row as the campaign hands them to the rules. */
const faits = (r: Record<string, unknown>) => sinistresImputes(r as unknown as SinistreRow)[0];
const impute = (id: string) => db.knex('sinistre_impute').where({ sinistre_id: id }).orderBy('imputation').select('*');

describe('categories (CSS D.242-6-6)', () => {
  it('IT by days of arrêt, bounds included', () => {
    const cas: [number | null, string][] = [[null, 'IT1'], [0, 'IT1'], [3, 'IT1'], [4, 'IT2'], [15, 'IT2'], [16, 'IT3'], [45, 'IT3'], [46, 'IT4'], [90, 'IT4'], [91, 'IT5'], [150, 'IT5'], [151, 'IT6']];
    for (const [j, c] of cas) expect(categorieIT(j), String(j)).toBe(c);
  });
  it('IP by rate, death IP4', () => {
    const cas: [string | null, boolean, string | null][] = [[null, false, null], ['0', false, null], ['9.99', false, 'IP1'], ['10', false, 'IP2'], ['19.5', false, 'IP2'], ['20', false, 'IP3'], ['39.99', false, 'IP3'], ['40', false, 'IP4'], [null, true, 'IP4'], ['5', true, 'IP4']];
    for (const [t, d, c] of cas) expect(categorieIP(t === null ? null : D(t), d), `${t}/${d}`).toBe(c);
  });
  it('IT fixed on 31 December of the year after the declaration; IP at first notification (D.242-6-7)', () => {
    expect(dateFixationIT('2023-12-30', '2023-12-28')).toBe('2024-12-31');
    expect(dateFixationIT(null, '2023-05-10')).toBe('2024-12-31');
    const v = { dateAccident: '2023-05-10', dateDeclaration: null, tauxIp: null, deces: false };
    const a = categoriesVersion({ ...v, dateExtraction: '2024-12-31', joursArret: 50 }, null);
    expect(a).toEqual({ categorieIT: 'IT4', itFige: false, categorieIP: null, ipFige: false, etape: expect.any(Object) });
    const b = categoriesVersion({ ...v, dateExtraction: '2025-01-01', joursArret: 300, tauxIp: D(45) }, a);
    expect(b).toEqual({ categorieIT: 'IT4', itFige: true, categorieIP: 'IP4', ipFige: true, etape: expect.any(Object) });
    // the explanation step: articles, inputs, value, and why the IT no longer follows the days
    expect(b.etape).toMatchObject({
      id: 'categories_sinistre', reference: expect.stringMatching(/D242-6-6.*D242-6-7/), valeur: 'IT4 IP4',
      entrees: { jours_arret: '300', taux_ip: '45', date_fixation_it: '2024-12-31', version_precedente: 'IT4' },
      note: expect.stringMatching(/figée au 2024-12-31/),
    });
    expect(a.etape.note).toBeUndefined();
    expect(categoriesVersion({ ...v, dateExtraction: '2025-06-01', joursArret: 300, tauxIp: D(5), deces: true }, b).categorieIP).toBe('IP4');
    // first known after its fixing date: the days read then are the best information
    expect(categoriesVersion({ ...v, dateExtraction: '2026-01-01', joursArret: 20 }, null)).toMatchObject({ categorieIT: 'IT3', itFige: true });
  });
  it('IP charged in the year of its first notification (D.242-6-7)', () => {
    expect(anneeImputationIP(null, null, '2024-03-01', 2023)).toBeNull();
    expect(anneeImputationIP('IP2', null, '2024-03-01', 2023)).toBe(2024);
    expect(anneeImputationIP('IP2', null, null, 2023)).toBe(2023);
    // already notified: the year of the first notification stays, whatever the later version says
    expect(anneeImputationIP('IP3', { categorieIP: 'IP2', anneeIp: 2022 }, '2025-01-10', 2025)).toBe(2022);
    expect(anneeImputationIP('IP3', { categorieIP: null, anneeIp: null }, '2025-01-10', 2024)).toBe(2025);
  });
  it('third party share as a fraction or a percentage', () => {
    expect(lirePartTiers('')!.toString()).toBe('0');
    expect(lirePartTiers('0,25')!.toString()).toBe('0.25');
    expect(lirePartTiers('25 %')!.toString()).toBe('0.25');
    expect(lirePartTiers('1.5')).toBeUndefined();
    expect(lirePartTiers('abc')).toBeUndefined();
  });
});

describe('one sinistre through five extracts', () => {
  it('IT category follows the days until its fixing date, then an IP rate, then inopposable', async () => {
    const r1 = await importerFichierSinistres(db.knex, fixture('extrait-2023-09.csv'), { outDir });
    expect(r1).toMatchObject({ versions: 1, rejets: [], applique: true });
    expect(await impute('S1')).toEqual([expect.objectContaining({ siret: '12345678200028', siren: '123456782', annee: 2023, categorie_it: 'IT2', categorie_ip: null, part_tiers: '0', interim: null, inopposable: false })]);

    await importerFichierSinistres(db.knex, fixture('extrait-2024-06.csv'), { outDir });
    expect((await impute('S1'))[0].categorie_it).toBe('IT4');

    const r3 = await importerFichierSinistres(db.knex, fixture('extrait-2025-03.csv'), { outDir });
    // S2 is the same row as in the 2024-06 extract: nothing new, no reject
    expect(r3).toMatchObject({ versions: 1, inchangees: 1, rejets: [] });
    expect((await impute('S1'))[0]).toMatchObject({ categorie_it: 'IT4', categorie_ip: 'IP2', annee_ip: 2025 });

    await importerFichierSinistres(db.knex, fixture('extrait-2025-09.csv'), { outDir });
    expect((await impute('S1'))[0]).toMatchObject({ categorie_it: 'IT4', categorie_ip: 'IP2' });

    await importerFichierSinistres(db.knex, fixture('extrait-2026-01.csv'), { outDir });
    // the view states the fact, the rule excludes the claim
    const [inopposable] = await impute('S1');
    expect(inopposable).toMatchObject({ inopposable: true, date_inopposabilite: expect.any(String) });
    expect(exclusion(faits(inopposable))).toMatchObject({ motif: expect.stringMatching(/inopposable/) });

    expect(await versions('S1')).toEqual([
      { numero: 1, date_extraction: '2023-09-30', jours_arret: 10, categorie_it: 'IT2', it_fige: false, taux_ip: null, categorie_ip: null, ip_fige: false, annee_ip: null, inopposable: false },
      { numero: 2, date_extraction: '2024-06-30', jours_arret: 60, categorie_it: 'IT4', it_fige: false, taux_ip: null, categorie_ip: null, ip_fige: false, annee_ip: null, inopposable: false },
      { numero: 3, date_extraction: '2025-03-31', jours_arret: 200, categorie_it: 'IT4', it_fige: true, taux_ip: '12', categorie_ip: 'IP2', ip_fige: true, annee_ip: 2025, inopposable: false },
      { numero: 4, date_extraction: '2025-09-30', jours_arret: 200, categorie_it: 'IT4', it_fige: true, taux_ip: '25', categorie_ip: 'IP2', ip_fige: true, annee_ip: 2025, inopposable: false },
      { numero: 5, date_extraction: '2026-01-31', jours_arret: 200, categorie_it: 'IT4', it_fige: true, taux_ip: '25', categorie_ip: 'IP2', ip_fige: true, annee_ip: 2025, inopposable: true },
    ]);
    expect(await db.knex('sinistre').where({ sinistre_id: 'S1' }).first('version_courante')).toEqual({ version_courante: 5 });
  });

  it('an older extract is rejected and changes nothing', async () => {
    const r = await importerFichierSinistres(db.knex, fixture('extrait-2024-06.csv'), { outDir });
    expect(r.applique).toBe(false);
    expect(r.rejets).toEqual([expect.objectContaining({ line: 2, column: 'date_extraction', reason: expect.stringMatching(/plus ancienne/) })]);
    expect(r.inchangees).toBe(6);
    expect((await versions('S1')).length).toBe(5);
  });
});

describe('sinistre_impute supplies facts; rules/imputation.ts decides shares and exclusions', () => {
  const part = (r: Record<string, unknown>, cat: 'it' | 'ip', anneeTaux: number) => {
    const f = faits(r);
    const categorie = (cat === 'it' ? r.categorie_it : r.categorie_ip) as CategorieIT & CategorieIP;
    return partImputee({ ...f, annee: cat === 'it' ? f.annee : (r.annee_ip as number) }, anneeTaux, categorie).part;
  };

  it('temp worker: one row for the agency, one for the user establishment, with the facts only', async () => {
    const rows = await impute('S2');
    expect(rows.map((r) => [r.imputation, r.siret, r.siren, r.categorie_it, r.categorie_ip, r.interim, r.siret_ett, r.siret_utilisateur, r.procedure_collective])).toEqual([
      ['employeur', '55544433000016', '555444330', 'IT3', 'IP2', 'ett', '55544433000016', '98765432400019', false],
      ['utilisateur', '98765432400019', '987654324', 'IT3', 'IP2', 'utilisatrice', '55544433000016', '98765432400019', false],
    ]);
    expect(Object.keys(rows[0])).not.toContain('part_ip');
  });

  it('the rule shares a 2024 claim ½ / ½ for the 2026 rates (décret 2024-723), the former ⅓ / ⅔ of IP ≥ 10 % for the 2025 rates', async () => {
    const [ett, eu] = await impute('S2');
    expect([part(ett, 'it', 2026), part(ett, 'ip', 2026), part(eu, 'it', 2026), part(eu, 'ip', 2026)].map(String)).toEqual(['0.5', '0.5', '0.5', '0.5']);
    expect(part(ett, 'it', 2025).toString()).toBe('1');
    expect(part(ett, 'ip', 2025).toDecimalPlaces(10).toString()).toBe('0.6666666667');
    expect(part(eu, 'it', 2025).toString()).toBe('0');
    expect(part(eu, 'ip', 2025).plus(part(ett, 'ip', 2025)).eq(1)).toBe(true);
  });

  it('temp worker with IP < 10 %: nothing to the user company under the former rule; a user company in a collective procedure bears nothing', async () => {
    const [ett3, eu3] = await impute('S3');
    expect([eu3.categorie_ip, part(eu3, 'ip', 2025).toString(), part(ett3, 'ip', 2025).toString()]).toEqual(['IP1', '0', '1']);
    const [ett7, eu7] = await impute('S7');
    expect(eu7).toMatchObject({ imputation: 'utilisateur', procedure_collective: true, categorie_ip: 'IP4' });
    expect([part(eu7, 'ip', 2026).toString(), part(ett7, 'ip', 2026).toString()]).toEqual(['0', '1']);
  });

  it('recours contre tiers prorates the share; trajet and compte spécial are facts the rule excludes', async () => {
    const [s4] = await impute('S4');
    expect([s4.categorie_it, part(s4, 'it', 2026).toString()]).toEqual(['IT5', '0.75']);
    const [s5] = await impute('S5');
    const [s6] = await impute('S6');
    expect(exclusion(faits(s5))).toMatchObject({ motif: 'accident de trajet', reference: 'CSS art. D242-6-4' });
    expect(exclusion(faits(s6))).toMatchObject({ reference: 'CSS art. D242-6-5, D242-6-7' });
    expect(exclusion(faits(s4))).toBeNull();
  });
});

describe('rejects report and --partial', () => {
  const attendus = [
    [3, 'siret'], [4, 'nature'], [5, 'date_accident'], [6, 'jours_arret'], [7, 'compte_special'],
    [8, 'date_inopposabilite'], [9, 'part_tiers'], [10, 'taux_ip'], [11, 'siret_utilisateur'], [12, 'deces'], [13, 'date_extraction'],
  ];

  it('without partial: every bad row is reported with its reason, the report is written, nothing is applied', async () => {
    const r = await importerFichierSinistres(db.knex, fixture('extrait-avec-rejets.csv'), { outDir });
    expect(r.rejets.map((p) => [p.line, p.column])).toEqual(attendus);
    expect(r).toMatchObject({ applique: false, versions: 2 });
    expect(r.rapport!.startsWith(join(outDir, 'rejets'))).toBe(true);
    const rapport = readFileSync(r.rapport!, 'utf8').replace(/^\ufeff/, '').trim().split('\n');
    expect(rapport[0]).toBe('fichier;ligne;colonne;motif');
    expect(rapport).toHaveLength(12);
    expect(rapport[1]).toMatch(/extrait-avec-rejets\.csv;3;siret;SIRET 12345678200011 : clé de contrôle \(Luhn\) invalide$/);
    expect(rapport[5]).toMatch(/;7;compte_special;compte spécial réservé aux maladies professionnelles/);
    expect(await db.knex('sinistre').whereIn('sinistre_id', ['R1', 'R12']).count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('with partial: the valid rows are applied in one transaction, the rejects still reported', async () => {
    const r = await importerFichierSinistres(db.knex, fixture('extrait-avec-rejets.csv'), { outDir, partiel: true });
    expect(r.rejets.map((p) => [p.line, p.column])).toEqual(attendus);
    expect(r).toMatchObject({ applique: true, versions: 2 });
    const ok = await db.knex('sinistre_impute').whereIn('sinistre_id', ['R1', 'R12']).orderBy('sinistre_id').select('sinistre_id', 'categorie_it', 'categorie_ip');
    expect(ok).toEqual([
      { sinistre_id: 'R1', categorie_it: 'IT2', categorie_ip: null },
      { sinistre_id: 'R12', categorie_it: 'IT1', categorie_ip: 'IP1' },
    ]);
  });
});

describe('several extracts of one sinistre in one file', () => {
  const H = 'sinistre_id,siret,nature,date_accident,annee_imputation,jours_arret,taux_ip,deces,date_extraction\n';
  it('are applied in extract order whatever the row order; a changed row for a loaded extract date is rejected', async () => {
    const f = join(outDir, 'multi.csv');
    writeFileSync(f, '\ufeff' + H + 'M1,12345678200010,MP,2024-03-01,2024,400,45,non,2026-01-15\nM1,12345678200010,MP,2024-03-01,2024,20,,non,2024-06-30\n');
    const r = await importerFichierSinistres(db.knex, f, { outDir });
    expect(r).toMatchObject({ versions: 2, rejets: [], applique: true });
    expect((await versions('M1')).map((v) => [v.date_extraction, v.categorie_it, v.it_fige, v.categorie_ip])).toEqual([
      ['2024-06-30', 'IT3', false, null],
      ['2026-01-15', 'IT3', true, 'IP4'],
    ]);
    writeFileSync(f, H + 'M1,12345678200010,MP,2024-03-01,2024,400,50,non,2026-01-15\n');
    const r2 = await importerFichierSinistres(db.knex, f, { outDir });
    expect(r2.rejets).toEqual([expect.objectContaining({ line: 2, column: 'date_extraction', reason: expect.stringMatching(/avec d'autres valeurs/) })]);
  });
});

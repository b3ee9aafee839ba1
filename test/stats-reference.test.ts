/**
 * The national AT table (pipelines/statistiques/reference.ts): read as published (xlsx) or in the project's CSV,
 * validated whole — a bad file is refused naming its sheet, row and column, and nothing is loaded — then its totals.
 * The published file itself is read from ../shared when it is there (skipped with the reason otherwise); the copy
 * shipped in reference/statistiques/ always is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import readXlsxFile from 'read-excel-file/node';
import writeXlsxFile from 'write-excel-file/node';
import { testDb, type TestDb } from './helpers/db.ts';
import { CSV_LIVRE, ENTETE, LIGNES, PUBLIE_PRESENT, RAISON_ABSENT, TOTAUX, XLSX_PUBLIE, xlsxNational } from './helpers/table-nationale.ts';
import { anneeLaPlusProche, importerTableNationale, lireTableNationale, ReferenceRefusee, totauxNationaux } from '../pipelines/statistiques/reference.ts';
import { formatProjet } from '../scripts/build-statistiques.ts';

let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

const FEUILLE = 'AT 2024 par CTN X NAF';
const compter = async () => Number((await db.knex('stat_reference_nationale').count({ n: '*' }))[0].n);

/** Expects the file to be refused; returns the message. */
async function refus(octets: Buffer, nom = 'table.xlsx'): Promise<string> {
  try {
    await lireTableNationale(nom, octets);
  } catch (e) {
    expect(e).toBeInstanceOf(ReferenceRefusee);
    return (e as Error).message;
  }
  throw new Error('fichier accepté');
}

describe('national table: a small table laid out as published', () => {
  it('reads the xlsx (title rows, trailing blanks in headers, empty cells = 0, doubled CTN letters) and loads it', async () => {
    const t = await lireTableNationale('table.xlsx', await xlsxNational());
    expect(t.feuille).toBe(FEUILLE);
    expect(t.anneeDuFichier).toBe(2024);
    expect(t.causes).toEqual(['Outillage à main', 'Chutes de hauteur']);
    expect(t.lignes.map((l) => [l.ligne, l.valeurs.ctn, l.valeurs.naf5])).toEqual([[5, 'A', '2451Z'], [6, 'A', '2562B'], [7, 'B', '4312A'], [8, 'B', 'xxxxx']]);
    expect(t.lignes[1].valeurs).toMatchObject({ nouvelles_ip: '0', deces: '0', somme_taux_ip: '0' });
    expect(t.lignes[0].fiche_sinistralite).toBe(true);
    const r = await importerTableNationale(db, t, 2024);
    expect(r).toEqual({ annee: 2024, lignes: 4, remplace: false });
    const tot = await totauxNationaux(db.knex, 2024);
    expect(tot.totaux).toEqual(TOTAUX);
    // IF = 121 × 1 000 / 3 510 = 34,472… ; TF = 121 × 10⁶ / 5 415 000 = 22,345… ; TG = 11 912 × 1 000 / 5 415 000 = 2,199… ;
    // IG = 169 × 10⁶ / 5 415 000 = 31,209…
    expect(tot.indicateurs).toEqual({ indice_frequence: '34.47', taux_frequence: '22.35', taux_gravite: '2.20', indice_gravite: '31.21' });
    expect(tot.par_ctn.map((c) => [c.ctn, c.at_premier_reglement])).toEqual([['A', '40'], ['B', '81']]);
    expect(tot.causes).toEqual([{ cause: 'Outillage à main', nombre: '15' }, { cause: 'Chutes de hauteur', nombre: '22' }]);
  });

  it('refuses a text in a number column, naming sheet, row and column; nothing loaded, the loaded year untouched', async () => {
    const lignes = LIGNES.map((l) => [...l]);
    lignes[2][11] = 'quatre-vingts';
    const m = await refus(await xlsxNational({ lignes }));
    expect(m).toContain(`table.xlsx, feuille « ${FEUILLE} », ligne 7, colonne L (AT en 1er règlement) : « quatre-vingts » n'est pas un nombre positif`);
    expect(m).toContain("rien n'a été chargé");
    expect(await compter()).toBe(4);
  });

  it('refuses a missing column, a missing code, inconsistent totals and a duplicated cell, each with its row', async () => {
    const sansColonne = await refus(await xlsxNational({ entete: ENTETE.filter((h) => h !== 'Journées d\'IT'), lignes: LIGNES.map((l) => l.filter((_, i) => i !== 17)) }));
    expect(sansColonne).toContain(`feuille « ${FEUILLE} », ligne 4 : colonne « Journées d'IT » absente`);

    const lignes = LIGNES.map((l) => [...l]);
    lignes[0][2] = null; // NAF code missing
    lignes[1][14] = 1; // IP < 10 % without any new IP
    lignes[2][12] = 81; // AT with 4 days or more above the AT
    lignes[3][2] = '4312A'; // BB × 4312A twice
    lignes[3][3] = 'Travaux de terrassement courants';
    lignes[3][4] = '43';
    lignes[3][5] = 'Travaux de construction spécialisés';
    lignes[3][6] = 'FZ';
    lignes[3][7] = 'Construction';
    const m = await refus(await xlsxNational({ lignes }));
    expect(m).toContain('ligne 5, colonne C (Code NAF) : valeur manquante');
    expect(m).toContain('ligne 6, colonne N (Nouvelles IP) : IP < 10 % (1) + IP ≥ 10 % (0) ≠ nouvelles IP (0)');
    expect(m).toContain("ligne 7, colonne M (dont AT avec 4 jours d'arrêt ou plus sur l'année) : AT avec 4 jours d'arrêt ou plus (81) supérieurs aux AT en 1er règlement (80)");
    expect(m).toContain('ligne 8, colonne C (Code NAF) : CTN B × NAF 4312A déjà à la ligne 7');
  });

  it('refuses a file of another year than --annee', async () => {
    const t = await lireTableNationale('t.xlsx', await xlsxNational({ feuille: 'AT 2023 par CTN X NAF', titre: 'Risque AT 2023' }));
    await expect(importerTableNationale(db, t, 2024)).rejects.toThrow("le fichier porte l'année 2023, --annee 2024 demandé ; rien n'a été chargé");
  });

  it('the closest loaded year, the earlier one on a tie', () => {
    expect(anneeLaPlusProche([2022, 2024], 2023)).toBe(2022);
    expect(anneeLaPlusProche([2022, 2024], 2025)).toBe(2024);
    expect(anneeLaPlusProche([], 2025)).toBeUndefined();
  });
});

describe('national table 2024', () => {
  // acceptance: the sums of the published table
  const ATTENDU = { salaries: '20799568', at_premier_reglement: '549614', journees_it: '54034448', nouvelles_ip: '34302' };

  it('the copy shipped in reference/statistiques loads 4 498 rows with the published totals', async () => {
    const t = await lireTableNationale(CSV_LIVRE);
    expect(t.lignes.length).toBe(4498);
    await importerTableNationale(db, t, 2024);
    expect(await compter()).toBe(4498);
    const tot = await totauxNationaux(db.knex, 2024);
    expect(tot.totaux).toMatchObject(ATTENDU);
    expect(tot.totaux).toMatchObject({ heures: '34359322638', nb_siret: '2434739', at_4j_ou_plus: '496094', deces: '764' });
  });

  it('the published xlsx loads 4 498 rows, and the shipped copy is exactly what scripts/build-statistiques.ts makes of it', async (ctx) => {
    ctx.skip(!PUBLIE_PRESENT, RAISON_ABSENT);
    const t = await lireTableNationale(XLSX_PUBLIE);
    expect(t.lignes.length).toBe(4498);
    expect(formatProjet(t, 2024)).toBe(readFileSync(CSV_LIVRE, 'utf8'));
    await importerTableNationale(db, t, 2024);
    expect((await totauxNationaux(db.knex, 2024)).totaux).toMatchObject(ATTENDU);
  });

  it('a corrupted copy of the published xlsx (a text in a number column; a missing column) is refused with its row, nothing loaded', async (ctx) => {
    ctx.skip(!PUBLIE_PRESENT, RAISON_ABSENT);
    const [f] = await readXlsxFile(XLSX_PUBLIE);
    const data = f.data.map((r) => [...r]) as (string | number | null)[][];
    data[1000][17] = 'n/c'; // row 1 001, column R (Journées d'IT)
    const copie = await writeXlsxFile(data as never, { sheet: f.sheet }).toBuffer();
    const m = await refus(copie, 'copie.xlsx');
    expect(m).toContain(`copie.xlsx, feuille « ${f.sheet} », ligne 1001, colonne R (Journées d'IT) : « n/c » n'est pas un nombre positif`);
    const sansColonne = data.map((r) => r.filter((_, i) => i !== 9));
    const m2 = await refus(await writeXlsxFile(sansColonne as never, { sheet: f.sheet }).toBuffer(), 'copie.xlsx');
    expect(m2).toContain(`ligne 4 : colonne « Nombre d'heures travaillées » absente`);
    expect(await compter()).toBe(4498);
  });
});

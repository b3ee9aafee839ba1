/**
 * The four indicators computed from the national table's own counts (2024), nationally and per CTN, with the
 * published definitions (docs/statistiques.md):
 *   indice de fréquence = AT × 1 000 / salariés        taux de fréquence = AT × 10⁶ / heures
 *   taux de gravité = journées d'IT × 1 000 / heures   indice de gravité = somme des taux d'IP × 10⁶ / heures
 * and compared with what the Assurance Maladie published for 2024, to the published decimal:
 *   - Assurance Maladie – Risques professionnels, « Rapport annuel 2024 – Éléments statistiques et financiers »
 *     (décembre 2025; notice: https://www.vie-publique.fr/rapport/301532-risques-professionnels-rapport-annuel-2024-de-lassurance-maladie):
 *     549 614 AT, indice de fréquence 26,4 AT pour 1 000 salariés (26,8 en 2023), 764 décès, « près de 20,8 millions de
 *     salariés » — as relayed by https://www.aismt13.fr/2026/01/19/rapport-annuel-2024-assurance-maladie-risques-professionnels-tendances-et-enseignements-cles
 *     and https://www.presanse-pacacorse.org/actualites/dernieres-actualites/rapport-annuel-2024-de-lassurance-maladie-risques-professionnels ;
 *   - its sectoral figures for the CTN B (BTP): 72 633 AT, indice de fréquence 38,1, 146 décès, 7 073 816 journées
 *     d'IT — as relayed by https://www.ffbatiment.fr/actualites-batiment/actualite-ba/sinistralite-at-mp-2024-btp-baisse-at-risques-majeurs-persistants
 *     and https://preventiongagnantebtp.fr/statistiques-at-mp-dans-le-btp-2024.
 * No 2024 taux de fréquence, taux de gravité nor indice de gravité published by the Assurance Maladie was found
 * (searched December 2026): those are checked against a second computation, the database's (atmp stats reference
 * show), not against a publication.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { lireTableNationale, importerTableNationale, totauxNationaux, type TableNationale } from '../pipelines/statistiques/reference.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { CSV_LIVRE, PUBLIE_PRESENT, RAISON_ABSENT, XLSX_PUBLIE } from './helpers/table-nationale.ts';

interface Indicateurs { at: string; deces: string; journees_it: string; salaries: string; indice_frequence: Decimal; taux_frequence: Decimal; taux_gravite: Decimal; indice_gravite: Decimal }

function indicateurs(t: TableNationale, ctn?: string): Indicateurs {
  const s = { salaries: new Decimal(0), heures: new Decimal(0), at: new Decimal(0), jit: new Decimal(0), taux: new Decimal(0), deces: new Decimal(0) };
  for (const { valeurs: v } of t.lignes) {
    if (ctn && v.ctn !== ctn) continue;
    s.salaries = s.salaries.plus(v.salaries);
    s.heures = s.heures.plus(v.heures);
    s.at = s.at.plus(v.at_premier_reglement);
    s.jit = s.jit.plus(v.journees_it);
    s.taux = s.taux.plus(v.somme_taux_ip);
    s.deces = s.deces.plus(v.deces);
  }
  return {
    at: s.at.toFixed(), deces: s.deces.toFixed(), journees_it: s.jit.toFixed(), salaries: s.salaries.toFixed(),
    indice_frequence: s.at.times(1000).div(s.salaries),
    taux_frequence: s.at.times(1e6).div(s.heures),
    taux_gravite: s.jit.times(1000).div(s.heures),
    indice_gravite: s.taux.times(1e6).div(s.heures),
  };
}
/** to the published decimal, half away from zero (as the Assurance Maladie rounds) */
const arrondi = (d: Decimal, decimales: number) => d.toDecimalPlaces(decimales, Decimal.ROUND_HALF_UP).toFixed(decimales);

let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

describe.each([
  ['the copy shipped in reference/statistiques', CSV_LIVRE, true],
  ['the published xlsx', XLSX_PUBLIE, PUBLIE_PRESENT],
] as const)('2024 indicators from %s', (_nom, fichier, present) => {
  let table: TableNationale;
  beforeAll(async () => {
    if (present) table = await lireTableNationale(fichier);
  });

  it('nationally: 549 614 AT, 764 deaths, indice de fréquence 26,4 as published', (ctx) => {
    ctx.skip(!present, RAISON_ABSENT);
    const n = indicateurs(table);
    expect(n.at).toBe('549614');
    expect(n.deces).toBe('764');
    expect(arrondi(new Decimal(n.salaries).div(1e6), 1)).toBe('20.8');
    expect(arrondi(n.indice_frequence, 1)).toBe('26.4');
  });

  it('per CTN: the BTP (CTN B) as published — 72 633 AT, 146 deaths, 7 073 816 days of IT, indice de fréquence 38,1', (ctx) => {
    ctx.skip(!present, RAISON_ABSENT);
    const b = indicateurs(table, 'B');
    expect([b.at, b.deces, b.journees_it]).toEqual(['72633', '146', '7073816']);
    expect(arrondi(b.indice_frequence, 1)).toBe('38.1');
  });

  it('nationally and per CTN, the four indicators equal the database\'s (atmp stats reference show) to the cent', async (ctx) => {
    ctx.skip(!present, RAISON_ABSENT);
    await importerTableNationale(db, table, 2024);
    const t = await totauxNationaux(db.knex, 2024);
    const deux = (i: Indicateurs) => ({ indice_frequence: arrondi(i.indice_frequence, 2), taux_frequence: arrondi(i.taux_frequence, 2), taux_gravite: arrondi(i.taux_gravite, 2), indice_gravite: arrondi(i.indice_gravite, 2) });
    expect(t.indicateurs).toEqual(deux(indicateurs(table)));
    // 26,42 ; 16,00 ; 1,57 ; 12,07
    expect(t.indicateurs).toEqual({ indice_frequence: '26.42', taux_frequence: '16.00', taux_gravite: '1.57', indice_gravite: '12.07' });
    expect(t.par_ctn.map((c) => c.ctn)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I']);
    for (const c of t.par_ctn) {
      const { indice_frequence, taux_frequence, taux_gravite, indice_gravite } = c;
      expect({ indice_frequence, taux_frequence, taux_gravite, indice_gravite }, c.ctn).toEqual(deux(indicateurs(table, c.ctn)));
    }
  });
});

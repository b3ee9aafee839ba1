/**
 * Rectifications (issue 17): a claim made inopposable by a new CPAM extract rectifies the three rates it weighed on,
 * in year order (the rectified rate N is the écrêtement base of N+1); a final rate is not rectified on a Carsat
 * review or at the employer's request, but is on a court decision; applying twice changes nothing.
 *
 * One individual establishment (E = 200, masse 2 000 000 € a year 2019–2023, code 27.1ZF, CTN A), rate 2022 0,70.
 * Claims classified in 2021: A1 10 days (IT2), A2 200 days (IT6) → they weigh on the rates 2023, 2024, 2025.
 * Coûts moyens 2023: the test grid (A IT2 2 007, IT6 6 007); 2024 and 2025: the shipped ones.
 *   2023 (M1 0,16 M2 58 % M3 0,28 M4 0,02): with A2 VR 8 014 → TB 0,133567 → TN 0,763835 → 0,76 (P 0,70: [0 ; 1,70]);
 *        without A2 VR 2 007 → TB 0,033450 → TN 0,605651 → 0,61.
 *   2024 (M1 0,17 M2 58 % M3 0,16 M4 0,03; IT2 522, IT6 40 783): with A2 TB 0,688417 → TN 1,546898 → 1,55 (P 0,76);
 *        without A2 TB 0,0087 → TN 0,472346 → 0,47; bounds from the rectified 2023 rate 0,61: [0 ; 1,61].
 *   2025 (M1 0,18 M2 56 % M3 0,19 M4 0,03; IT2 528, IT6 41 132): with A2 TB 0,694333 → TN 1,584 → 1,58 (P 1,55);
 *        without A2 TB 0,0088 → TN 0,514528 → 0,51 within [0 ; 1,47] from the rectified 2024 rate 0,47 (from the
 *        unrectified 1,55 the floor 0,75 would apply).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ROOT, tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { insererFaits } from './helpers/faits.ts';
import { importerBareme } from '../pipelines/bareme/import.ts';
import { importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { importerSinistres } from '../pipelines/ingest-sinistres/import.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';
import { appliquerRectifications, exportUrssaf, planifierRectifications } from '../pipelines/decisions/rectification.ts';
import { enregistrerNotification, enregistrerRecours } from '../pipelines/decisions/en-cours-annee.ts';
import { exporterTaux } from '../pipelines/decisions/export.ts';
import { rendreLettres } from '../pipelines/decisions/lettres.ts';
import { donneesRapport } from '../pipelines/rapport/rapport.ts';
import { historiqueDecisions, texteHistorique } from '../pipelines/decisions/historique.ts';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const SIRET = '70000000300017';
const SINISTRES = (inopposable: string, extraction: string) => `sinistre_id;siret;nature;date_accident;date_declaration;annee_imputation;jours_arret;taux_ip;date_notification_ip;inopposable;date_inopposabilite;date_extraction
A1;${SIRET};AT;2021-03-01;2021-03-02;2021;10;;;non;;${extraction}
A2;${SIRET};AT;2021-06-01;2021-06-02;2021;200;;;${inopposable};${inopposable === 'oui' ? '2025-01-20' : ''};${extraction}
`;

async function region(): Promise<TestDb> {
  const db = await testDb();
  const dir = tempDir('atmp-rectif-');
  const f = (nom: string, t: string) => {
    const p = join(dir, nom);
    writeFileSync(p, t);
    return p;
  };
  await importerBareme(db, { annee: 2023, fichier: join(ROOT, 'test/fixtures/bareme/couts-moyens-complets.csv'), source: 'grille de test' });
  const ref = await importerReferentiel(db.knex, [
    f('entreprises.csv', 'siren;raison_sociale;siret_siege;adresse;code_postal;commune;email_notification;notification_dematerialisee\n700000003;Tôlerie de l’Oise;70000000300017;1 rue du Fer;60000;Beauvais;paie@tolerie.example.fr;oui\n'),
    f('etablissements.csv', 'siret;nom;adresse;code_postal;commune;code_risque;section;date_debut_section;date_creation;option_taux_unique\n70000000300017;Tôlerie;1 rue du Fer;60000;Beauvais;27.1ZF;principale;2000-01-01;2000-01-01;\n'),
    f('taux.csv', 'siret;code_risque;annee;taux\n70000000300017;27.1ZF;2022;0.70\n'),
  ], { annee: 2023 });
  expect(ref.rejetes).toEqual([]);
  const sin = await importerSinistres(db.knex, [f('sinistres-2022.csv', SINISTRES('non', '2022-12-31'))], { partiel: false, outDir: dir });
  expect(sin.flatMap((r) => r.rejets)).toEqual([]);
  await insererFaits(db.knex, 2023, { [SIRET]: { masses: { 2019: '2000000', 2020: '2000000', 2021: '2000000' }, effectif_2018: '200' } });
  await insererFaits(db.knex, 2024, { [SIRET]: { masses: { 2022: '2000000' }, effectif_2018: '200' } });
  await insererFaits(db.knex, 2025, { [SIRET]: { masses: { 2023: '2000000' }, effectif_2018: '200' } });
  for (const annee of [2023, 2024, 2025]) {
    const r = await lancerCampagne(db, { annee });
    expect(r.erreurs, JSON.stringify(r.liste_erreurs)).toBe(0);
    await validerCampagne(db, annee, 'valideur');
  }
  // the new CPAM extract: A2 declared inopposable to the employer
  const sin2 = await importerSinistres(db.knex, [f('sinistres-2025.csv', SINISTRES('oui', '2025-01-31'))], { partiel: false, outDir: dir });
  expect(sin2.flatMap((r) => r.rejets)).toEqual([]);
  return db;
}

const taux = async (db: TestDb, annee: number) =>
  (await db.knex('campagne_taux').where({ annee, siret: SIRET }).orderBy('decision')).map((r: any) => [r.decision, r.taux_notifie, r.remplace_decision]);

describe('a claim made inopposable, no rate final yet', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await region();
  }, 240_000);
  afterAll(async () => db?.drop());

  it('the campaigns rated the claim: 0,76, 1,55, 1,58', async () => {
    expect(await taux(db, 2023)).toEqual([[1, '0.76', null]]);
    expect(await taux(db, 2024)).toEqual([[1, '1.55', null]]);
    expect(await taux(db, 2025)).toEqual([[1, '1.58', null]]);
  });

  it('detecter lists the three years in order with the claim and the inputs that changed, and changes nothing', async () => {
    const plan = await planifierRectifications(db, { aujourdhui: '2025-02-10' });
    expect(plan.map((l) => [l.annee, l.ancien_taux, l.nouveau_taux, l.statut])).toEqual([
      [2023, '0.76', '0.61', 'a_rectifier'],
      [2024, '1.55', '0.47', 'a_rectifier'],
      [2025, '1.58', '0.51', 'a_rectifier'],
    ]);
    expect(plan[0].sinistres).toEqual([{ sinistre_id: 'A2', version: 2, extraction: '2025-01-31', changement: 'déclaré inopposable' }]);
    expect(plan[0].entrees).toContainEqual(expect.objectContaining({ etape: 'valeur_du_risque' }));
    // 2024: the écrêtement base is the rectified 2023 rate
    expect(plan[1].entrees).toContainEqual({ etape: 'ecretement', avant: '[0.00 ; 1.76] : non atteint', apres: '[0.00 ; 1.61] : non atteint' });
    expect(await taux(db, 2023)).toEqual([[1, '0.76', null]]);
  });

  it('appliquer records a new decision per year, each écrêtement on the previous year’s rectified rate; a second run changes nothing', async () => {
    const r = await appliquerRectifications(db, { motif: 'inopposabilite', agent: 'agent', aujourdhui: '2025-02-10' });
    expect(r.map((l) => l.statut)).toEqual(['rectifie', 'rectifie', 'rectifie']);
    expect(await taux(db, 2023)).toEqual([[1, '0.76', null], [2, '0.61', 1]]);
    expect(await taux(db, 2024)).toEqual([[1, '1.55', null], [2, '0.47', 1]]);
    expect(await taux(db, 2025)).toEqual([[1, '1.58', null], [2, '0.51', 1]]);
    const r24 = await db.knex('campagne_taux').where({ annee: 2024, siret: SIRET, decision: 2 }).first();
    expect([r24.taux_precedent, r24.plafond]).toEqual(['0.61', '1.61']);
    const r25 = await db.knex('campagne_taux').where({ annee: 2025, siret: SIRET, decision: 2 }).first();
    expect([r25.taux_precedent, r25.plancher, r25.plafond]).toEqual(['0.47', '0.00', '1.47']);
    const decisions = await db.knex('decision_taux').where({ siret: SIRET, nature: 'rectification' }).orderBy('annee');
    expect(decisions.map((d: any) => [d.annee, d.taux, Number(d.remplace_id) > 0])).toEqual([[2023, '0.61', true], [2024, '0.47', true], [2025, '0.51', true]]);
    expect(decisions[0].motif).toBe('sinistre déclaré inopposable à l’employeur (sinistre A2 déclaré inopposable)');

    const n = (await db.knex('decision_taux').count({ n: '*' }).first())!.n;
    expect(await appliquerRectifications(db, { motif: 'inopposabilite', agent: 'agent', aujourdhui: '2025-02-10' })).toEqual([]);
    expect((await db.knex('decision_taux').count({ n: '*' }).first())!.n).toBe(n);
    expect(await db.knex('campagne_taux').where({ siret: SIRET }).count({ n: '*' }).first()).toMatchObject({ n: 6 });
  });

  it('the export gives the rectified rate for the whole year, and the URSSAF file the old and new rates', async () => {
    expect((await exporterTaux(db.knex, 2024)).map((l) => [l.taux, l.debut, l.fin, l.nature])).toEqual([['0.47', '2024-01-01', '2024-12-31', 'rectification']]);
    expect((await exportUrssaf(db.knex)).map((l) => [l.siret, l.code_risque, l.debut, l.fin, l.ancien_taux, l.nouveau_taux])).toEqual([
      [SIRET, '27.1ZF', '2023-01-01', '2023-12-31', '0.76', '0.61'],
      [SIRET, '27.1ZF', '2024-01-01', '2024-12-31', '1.55', '0.47'],
      [SIRET, '27.1ZF', '2025-01-01', '2025-12-31', '1.58', '0.51'],
    ]);
  });

  it('the campaign report counts the rectifications', async () => {
    const r = await donneesRapport(db.knex, 2024, '2025-02-15');
    expect(r.donnees.decisions).toEqual({ rectifications: 1, ristournes: 0, cotisations_supplementaires: 0, en_cours_annee: 0 });
    expect(r.html).toContain('<div class="v">1 / 0 / 0</div><div class="l">décisions après la campagne');
  });

  it('one rectified letter per recipient, with old and new rates, reason, period and voies de recours; written once', async () => {
    const out = tempDir('atmp-lettres-');
    const l = await rendreLettres(db, { outDir: out, date: '2025-02-15' });
    expect(l).toHaveLength(1);
    expect(l[0].destinataire).toBe('700000003');
    expect(l[0].decisions).toHaveLength(3);
    expect(readFileSync(l[0].chemin).subarray(0, 5).toString()).toBe('%PDF-');
    const t = spawnSync('pdftotext', ['-layout', l[0].chemin, '-'], { encoding: 'utf8' });
    if (!t.error) {
      expect(t.stdout).toContain('Objet : notification de taux rectifié');
      expect(t.stdout).toMatch(/0,76\s*%\s+0,61\s*%/);
      expect(t.stdout).toMatch(/1,58\s*%\s+0,51\s*%/);
      expect(t.stdout).toContain('Voies de recours');
      expect(t.stdout).toContain('L243-6');
    }
    expect(await rendreLettres(db, { outDir: out, date: '2025-02-15' })).toEqual([]);
    expect(await db.knex('decision_taux').where({ nature: 'rectification' }).whereNull('notification_ref').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('a corrected masse salariale (DSN régularisation) rectifies the rectified rate again; the history shows the chain', async () => {
    // + 1 000 000 € on 2021: masse 7 000 000 € over 2019–2021 → 2023: TB 0,028671 → TN 0,598 → 0,60; 2024 and
    // 2025 move by less than half a hundredth (0,47 and 0,51 again): not listed
    await insererFaits(db.knex, 2099, { [SIRET]: { masses: { 2021: '1000000' } } });
    const plan = await planifierRectifications(db, { aujourdhui: '2025-03-01' });
    expect(plan.map((l) => [l.annee, l.ancien_taux, l.nouveau_taux])).toEqual([[2023, '0.61', '0.60']]);
    expect(plan[0].sinistres).toEqual([]);
    expect(plan[0].entrees).toContainEqual({ etape: 'masse_salariale', avant: '6000000', apres: '7000000' });
    const r = await appliquerRectifications(db, { motif: 'correction-donnees', agent: 'agent', aujourdhui: '2025-03-01' });
    expect(r.map((l) => l.statut)).toEqual(['rectifie']);
    expect(await taux(db, 2023)).toEqual([[1, '0.76', null], [2, '0.61', 1], [3, '0.60', 2]]);
    const chaine = await db.knex('decision_taux').where({ siret: SIRET, annee: 2023 }).orderBy('id');
    expect(chaine.map((d: any) => [d.nature, d.taux, d.remplace_id == null ? null : Number(d.remplace_id)])).toEqual([
      ['campagne', '0.76', null], ['rectification', '0.61', Number(chaine[0].id)], ['rectification', '0.60', Number(chaine[1].id)],
    ]);
    expect(chaine[2].motif).toBe('correction des données (DSN, sinistres) (entrées modifiées : masse salariale, taux brut)');
    const texte = texteHistorique(await historiqueDecisions(db.knex, SIRET)).join('\n');
    expect(texte).toContain('du 01/01/2023 au 31/12/2023 : 0,60 % — rectification');
    expect(texte).toMatch(/rectification : 0,60 % du 01\/01\/2023 au 31\/12\/2023, remplace n° \d+ — correction des données/);
  });
});

describe('final rates', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await region();
    // 2023 notified on 10 January 2023, no recours: final. 2024 notified on 10 January 2024 but under recours.
    // 2025 notified on 20 January 2025: the two months are not over on 10 February 2025.
    await enregistrerNotification(db.knex, { annee: 2023, date: '2023-01-10' });
    await enregistrerNotification(db.knex, { annee: 2024, date: '2024-01-10' });
    await enregistrerRecours(db, { siret: SIRET, codeRisque: '27.1ZF', annee: 2024, date: '2024-02-20', instance: 'cour d’appel d’Amiens' });
    await enregistrerNotification(db.knex, { annee: 2025, date: '2025-01-20' });
  }, 240_000);
  afterAll(async () => db?.drop());

  it('a Carsat review does not rectify the final rate; the next years are rectified on the unchanged one', async () => {
    const r = await appliquerRectifications(db, { motif: 'reexamen-caisse', agent: 'agent', aujourdhui: '2025-02-10' });
    expect(r.map((l) => [l.annee, l.nouveau_taux, l.statut, l.definitif])).toEqual([
      [2023, '0.61', 'definitif_non_rectifie', true],
      [2024, '0.47', 'rectifie', false],
      [2025, '0.51', 'rectifie', false],
    ]);
    expect(await taux(db, 2023)).toEqual([[1, '0.76', null]]);
    // re-run: the final rate is listed again, nothing is recorded
    const again = await appliquerRectifications(db, { motif: 'reexamen-caisse', agent: 'agent', aujourdhui: '2025-02-10' });
    expect(again.map((l) => [l.annee, l.statut])).toEqual([[2023, 'definitif_non_rectifie']]);
    expect(await db.knex('decision_taux').where({ nature: 'rectification' }).count({ n: '*' }).first()).toMatchObject({ n: 2 });
  });

  it('a court decision rectifies the final rate (CSS D242-6-4)', async () => {
    const r = await appliquerRectifications(db, { motif: 'decision-justice', agent: 'agent', aujourdhui: '2025-02-10' });
    expect(r.map((l) => [l.annee, l.ancien_taux, l.nouveau_taux, l.statut])).toEqual([[2023, '0.76', '0.61', 'rectifie']]);
    expect(await taux(db, 2023)).toEqual([[1, '0.76', null], [2, '0.61', 1]]);
    expect(await appliquerRectifications(db, { motif: 'decision-justice', agent: 'agent', aujourdhui: '2025-02-10' })).toEqual([]);
  });
});

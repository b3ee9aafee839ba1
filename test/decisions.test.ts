/**
 * Rate decisions after the campaign (issue 17): the validated campaign's decisions, ristournes and cotisations
 * supplémentaires on top of the notified rate, the ristournes budget, decisions during the year, the rate export.
 * On the hand-computed 2020 region (test/cases-campagne/campagne-2020.yaml), imported through the real pipelines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from './helpers/db.ts';
import { importerFixtureCampagne, lireFixtureCampagne } from './helpers/campagne-2020.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';
import { accorderRistourne, accorderRistourneTrajet, budgetRistournes, imposerCotisation, terminerCotisation } from '../pipelines/decisions/ajustements.ts';
import { deciderCreation, deciderReclassement } from '../pipelines/decisions/en-cours-annee.ts';
import { exporterTaux, versCsv, COLONNES_EXPORT } from '../pipelines/decisions/export.ts';
import { historiqueDecisions, texteHistorique } from '../pipelines/decisions/historique.ts';

const fx = lireFixtureCampagne();
let db: TestDb;
const agent = 'agent-test';

beforeAll(async () => {
  db = await testDb();
  expect(await importerFixtureCampagne(db, fx)).toEqual({ rejetsReferentiel: [], rejetsSinistres: [] });
  await lancerCampagne(db, { annee: 2020, lot: 2 });
  await validerCampagne(db, 2020, 'valideur');
}, 120_000);
afterAll(async () => db?.drop());

describe('decisions of a rate after the campaign', () => {
  it('validating the campaign records one campaign decision per notified section, for the whole year', async () => {
    const rows = await db.knex('decision_taux').where({ annee: 2020 }).orderBy(['siret', 'code_risque']);
    expect(rows).toHaveLength(fx.attendu.length);
    for (const a of fx.attendu) {
      const r = rows.find((x: any) => x.siret === a.siret && x.code_risque === a.code_risque);
      expect(r).toMatchObject({ nature: 'campagne', taux: expect.stringMatching(new RegExp(`^${a.taux_notifie}`)), decide_par: 'valideur', campagne_decision: 1 });
      expect(String(r.debut).slice(0, 10) <= '2020-01-01').toBe(true);
    }
  });

  it('a ristourne on a mixte rate reduces only the collective fraction (1 − f) × TC', async () => {
    // 52.1BC mixte: f = 0,307692, TC 2,4, notified 4,80 after écrêtement. 10 % of (1 − f) × TC = 0,166154 → 4,63
    // (10 % of the whole TC would give 4,56). Decided 10/09/2020 → from 1 October, 3 months in 2020.
    const r = await accorderRistourne(db, { siret: '30000000700017', codeRisque: '52.1BC', agent, pourcentage: '10', dateDecision: '2020-09-10' });
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]).toMatchObject({ nature: 'ristourne', taux: '4.63', debut: '2020-10-01', fin: '2020-12-31', nouvelle: true });
    expect(Number(r.decisions[0].points)).toBeCloseTo(-0.166154, 6);
    // the rest of the year of the ristourne falls in 2021, whose rate is not notified yet
    expect(r.restes).toEqual([{ annee: 2021, debut: '2021-01-01', fin: '2021-09-30' }]);
    // cost: masse 2018 1 000 000 × 0,166154 % × 3/12
    expect(r.decisions[0].cout_estime).toBe('415.38');
    expect(r.decisions[0].motif).toBe('ristourne travail de 10 % de la part collective (1 − f) × taux collectif du taux mixte (mesures de prévention)');
  });

  it('refuses a ristourne on an individual rate and beyond 25 %', async () => {
    await expect(accorderRistourne(db, { siret: '20000000800017', codeRisque: '27.1ZF', section: 'principale', agent, pourcentage: '10', dateDecision: '2020-03-10' })).rejects.toThrow(/réservée aux établissements en taux collectif ou mixte/);
    await expect(accorderRistourne(db, { siret: '40000000600017', codeRisque: '52.1BC', agent, pourcentage: '30', dateDecision: '2020-03-10' })).rejects.toThrow(/au plus 25 %/);
  });

  it('the budget cap (0.40 % of the region’s contributions) refuses the grant that would exceed it', async () => {
    // region: Σ masse 2018 × rate 2020 = 34 400 + 48 000 + 7 200 + 27 000 + 81 000 + 56 250 = 253 850 € → cap 1 015,40 €
    const avant = await budgetRistournes(db.knex, 2020);
    expect(avant).toMatchObject({ cotisations_region: '253850.00', plafond: '1015.40', accorde: '415.38', disponible: '600.02' });
    // 25 % of TC 2,4 = 0,6 point on a 300 000 € payroll for 6 months: 900 € > 600,02 € left
    await expect(accorderRistourne(db, { siret: '40000000600017', codeRisque: '52.1BC', agent, pourcentage: '25', dateDecision: '2020-06-15' })).rejects.toThrow(/budget dépassé \(1315\.38 € > plafond 1015\.40 €/);
    // 10 % (0,24 point) for 6 months: 360 € fits
    const ok = await accorderRistourne(db, { siret: '40000000600017', codeRisque: '52.1BC', agent, pourcentage: '10', dateDecision: '2020-06-15', fin: '2020-12-31' });
    expect(ok.decisions[0]).toMatchObject({ taux: '2.16', cout_estime: '360.00' });
    expect((await budgetRistournes(db.knex, 2020)).accorde).toBe('775.38');
  });

  it('recording the same grant again changes nothing', async () => {
    const n = await db.knex('decision_taux').count({ n: '*' }).first();
    const r = await accorderRistourne(db, { siret: '40000000600017', codeRisque: '52.1BC', agent, pourcentage: '10', dateDecision: '2020-06-15', fin: '2020-12-31' });
    expect(r.decisions[0].nouvelle).toBe(false);
    expect(await db.knex('decision_taux').count({ n: '*' }).first()).toEqual(n);
  });

  it('a cotisation supplémentaire on a section with a ristourne: the rate in force adds both (2,40 + 25 % − 0,24 = 2,76)', async () => {
    const r = await imposerCotisation(db, { siret: '40000000600017', codeRisque: '52.1BC', agent, stade: 'injonction', dateConstat: '2020-09-01' });
    expect(r.decisions[0]).toMatchObject({ taux: '2.76', points: '0.6' });
    expect(r.decisions[0].explication!.at(-1)).toMatchObject({ id: 'taux_en_vigueur', entrees: { taux_avant: '2.16', taux_base: '2.40' }, valeur: '2.76' });
    const lignes = (await exporterTaux(db.knex, 2020, '400000006')).filter((l) => l.code_risque === '52.1BC');
    expect(lignes.map((l) => [l.taux, l.debut, l.fin, l.nature])).toEqual([
      ['2.40', '2020-01-01', '2020-06-30', 'campagne'],
      ['2.16', '2020-07-01', '2020-08-31', 'ristourne'],
      ['2.76', '2020-09-01', '2020-12-31', 'cotisation_supplementaire'],
    ]);
  });

  it('cotisation supplémentaire: 25 % after the injonction, raised to 50 % once the deadline passes; a repeat needs an earlier one', async () => {
    const a = await imposerCotisation(db, { siret: '20000000800017', codeRisque: '27.1ZF', section: 'principale', agent, stade: 'injonction', dateConstat: '2020-03-15' });
    expect(a.decisions[0]).toMatchObject({ taux: '2.15', debut: '2020-03-15', fin: '2020-12-31' });
    await expect(imposerCotisation(db, { siret: '20000000800017', codeRisque: '27.1ZF', section: 'principale', agent, stade: 'delai-depasse', pourcentage: '30', dateConstat: '2020-06-01' })).rejects.toThrow(/au moins 50 %/);
    const b = await imposerCotisation(db, { siret: '20000000800017', codeRisque: '27.1ZF', section: 'principale', agent, stade: 'delai-depasse', dateConstat: '2020-06-01' });
    expect(b.decisions[0]).toMatchObject({ taux: '2.58', remplace_id: a.decisions[0].id });
    await expect(imposerCotisation(db, { siret: '60000000400017', codeRisque: '27.1ZF', agent, stade: 'recidive', dateConstat: '2020-04-01' })).rejects.toThrow(/aucune cotisation supplémentaire de l’établissement dans les trois ans/);
    // the measures are carried out on 1 October: the cotisation ends on 30 September
    const fin = await terminerCotisation(db, { siret: '20000000800017', codeRisque: '27.1ZF', section: 'principale', agent, date: '2020-10-01' });
    expect(fin.decisions[0]).toMatchObject({ taux: '1.72', pourcentage: '0', remplace_id: b.decisions[0].id });
    await expect(terminerCotisation(db, { siret: '60000000400017', codeRisque: '27.1ZF', agent, date: '2020-10-01' })).rejects.toThrow(/aucune cotisation supplémentaire en cours le 2020-10-01/);
  });

  it('ristourne trajet takes a share of M1 only (2020: M1 0,18; 50 % → 0,09 point)', async () => {
    const r = await accorderRistourneTrajet(db, { siret: '60000000400017', codeRisque: '27.1ZF', agent, pourcentage: '50', dateDecision: '2020-01-20', fin: '2020-12-31' });
    expect(r.decisions[0]).toMatchObject({ taux: '6.16', debut: '2020-02-01', points: '-0.09' });
    await expect(accorderRistourneTrajet(db, { siret: '60000000400017', codeRisque: '27.1ZF', agent, pourcentage: '90', dateDecision: '2020-01-25' })).rejects.toThrow(/entre 25 et 85 %/);
  });

  it('decisions during the year: a new establishment and a reclassement get the collective rate for the rest of the year', async () => {
    const c = await deciderCreation(db, { siret: '30000000700033', codeRisque: '52.1BC', section: 'principale', date: '2020-05-04', agent });
    expect(c.decision).toMatchObject({ nature: 'creation', taux: '2.40', debut: '2020-05-04', fin: '2020-12-31', base_legale: 'CSS art. D242-6-17' });
    expect((await deciderCreation(db, { siret: '30000000700033', codeRisque: '52.1BC', section: 'principale', date: '2020-05-04', agent })).nouvelle).toBe(false);
    const r = await deciderReclassement(db, { siret: '50000000500016', ancienCode: '27.1ZF', codeRisque: '52.1BC', date: '2020-07-01', agent });
    expect(r.decision).toMatchObject({ nature: 'reclassement', code_risque: '52.1BC', taux: '2.40', remplace_id: Number(r.remplacee.id) });
  });

  it('exports one row per SIRET × code risque × section and period, successive decisions in successive rows', async () => {
    const lignes = await exporterTaux(db.knex, 2020);
    const de = (siret: string) => lignes.filter((l) => l.siret === siret).map((l) => [l.code_risque, l.section, l.taux, l.debut, l.fin, l.nature]);
    expect(de('30000000700017')).toEqual([
      ['52.1BC', 'principale', '4.80', '2020-01-01', '2020-09-30', 'campagne'],
      ['52.1BC', 'principale', '4.63', '2020-10-01', '2020-12-31', 'ristourne'],
    ]);
    expect(de('20000000800017')).toEqual([
      ['00.00B', 'bureau', '1.72', '2020-01-01', '2020-12-31', 'campagne'],
      ['27.1ZF', 'principale', '1.72', '2020-01-01', '2020-03-14', 'campagne'],
      ['27.1ZF', 'principale', '2.15', '2020-03-15', '2020-05-31', 'cotisation_supplementaire'],
      ['27.1ZF', 'principale', '2.58', '2020-06-01', '2020-09-30', 'cotisation_supplementaire'],
      ['27.1ZF', 'principale', '1.72', '2020-10-01', '2020-12-31', 'campagne'],
    ]);
    expect(de('50000000500016')).toEqual([
      ['27.1ZF', 'principale', '2.70', '2020-01-01', '2020-06-30', 'campagne'],
      ['52.1BC', 'principale', '2.40', '2020-07-01', '2020-12-31', 'reclassement'],
    ]);
    expect(de('40000000600017')).toContainEqual(['00.00B', 'fsna', '0.80', '2020-01-01', '2020-12-31', 'campagne']);
    expect(lignes.find((l) => l.siret === '40000000600017' && l.section === 'fsna')).toMatchObject({ fsna: true, bureau: false });
    expect(de('30000000700033')).toEqual([['52.1BC', 'principale', '2.40', '2020-05-04', '2020-12-31', 'creation']]);
    expect((await exporterTaux(db.knex, 2020, '300000007')).map((l) => l.siret)).toEqual(['30000000700017', '30000000700017', '30000000700025', '30000000700033']);
  });

  it('neutralises CSV cells a spreadsheet would take for formulas', () => {
    const csv = versCsv([{ a: '=1+1', b: '-2', c: '@x', d: '+3', e: 'ok' }], ['a', 'b', 'c', 'd', 'e']);
    expect(csv).toBe("a;b;c;d;e\n'=1+1;'-2;'@x;'+3;ok\n");
    expect(versCsv(COLONNES_EXPORT.map(() => ({})) as never, COLONNES_EXPORT).split('\n')[0]).toBe('siret;siren;code_risque;section;bureau;fsna;taux;debut;fin;nature;decision');
  });

  it('the establishment’s history shows which rate applied when, and why', async () => {
    const texte = texteHistorique(await historiqueDecisions(db.knex, '30000000700017')).join('\n');
    expect(texte).toContain('2020 52.1BC section principale :');
    expect(texte).toContain('du 01/01/2020 au 30/09/2020 : 4,80 % — campagne');
    expect(texte).toContain('du 01/10/2020 au 31/12/2020 : 4,63 % — ristourne travail');
    expect(texte).toMatch(/ristourne travail \(10 %\) : 4,63 % du 01\/10\/2020 au 31\/12\/2020 — ristourne travail de 10 % .*arrêté du 9 décembre 2010 art\. 2, 3 et 7 ; décidée par agent-test/);
  });
});

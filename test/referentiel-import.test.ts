import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT } from './helpers/cli.ts';
import { importerFichierReferentiel, importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { etablissementReferentiel } from '../pipelines/ingest-referentiel/etablissement.ts';
import { importerSinistres } from '../pipelines/ingest-sinistres/import.ts';
import { InputRejected } from '../lib/errors.ts';

const fixture = (f: string) => join(ROOT, 'test', 'fixtures', 'referentiel', f);
const sinistre = (f: string) => join(ROOT, 'test', 'fixtures', 'sinistres', f);
const tmp = mkdtempSync(join(tmpdir(), 'atmp-referentiel-'));
/** writes an inline CSV and returns its path */
const csv = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const rejet = async (p: Promise<unknown>) => {
  const e = await p.catch((x) => x);
  expect(e).toBeInstanceOf(InputRejected);
  return e as InputRejected;
};
const count = async (db: TestDb, table: string) => Number((await db.knex(table).count({ n: '*' }).first())!.n);

let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

describe('référentiel: a group round-trips through import and etablissementReferentiel', () => {
  it('loads the four kinds in dependency order, whatever the order on the command line', async () => {
    const r = await importerReferentiel(
      db.knex,
      [fixture('taux-notifies.csv'), fixture('etablissements.csv'), fixture('entreprises.csv'), fixture('groupes.csv')],
      { annee: 2026 },
    );
    expect(r.rejetes.map((e) => e.message)).toEqual([]);
    expect(r.charges.map((c) => [c.type, c.lignes])).toEqual([
      ['groupes', 2], ['entreprises', 4], ['etablissements', 6], ['taux_notifies', 4],
    ]);
    expect(await count(db, 'etablissement')).toBe(5);
    expect(await count(db, 'etablissement_section')).toBe(6);
  });

  it('gives the establishment with its company, group, sections, notified rates', async () => {
    const e = (await etablissementReferentiel(db.knex, '12345678200010'))!;
    expect(e).toMatchObject({
      siret: '12345678200010', siren: '123456782', nom: 'Siège Paris', codePostal: '75002', alsaceMoselle: false,
      origine: 'referentiel', aRevoir: false, dateCreation: '2015-01-01',
      entreprise: {
        raisonSociale: 'Durand Holding', siretSiege: '12345678200010', notificationDematerialisee: true,
        groupe: { id: 'G1', nom: 'Groupe Durand', sirenTete: '123456782', notificationGroupee: true, emailNotification: 'paie@durand.example.fr' },
      },
    });
    expect(e.sections.map((s) => [s.codeRisque, s.section, s.dateDebut, s.ctn])).toEqual([
      ['74.5BD', 'principale', '2015-01-01', 'I'],
      ['00.00B', 'fsna', '2019-03-01', null],
    ]);
    // each rate with its barème's validity: the 2025 rates from 1 May 2025, the 2024 ones until 30 April 2025 (décret 2025-318)
    expect(e.tauxNotifies).toEqual([
      { annee: 2025, codeRisque: '00.00B', taux: '0.7', debut: '2025-05-01', fin: '2025-12-31' },
      { annee: 2025, codeRisque: '74.5BD', taux: '2.95', debut: '2025-05-01', fin: '2025-12-31' },
      { annee: 2024, codeRisque: '74.5BD', taux: '2.78', debut: '2024-01-01', fin: '2025-04-30' },
    ]);
  });

  it('reads the BOM / comma file: quoted address, spaced code risque, French date, taux unique, Alsace-Moselle', async () => {
    const lyon = (await etablissementReferentiel(db.knex, '12345678200028'))!;
    expect(lyon).toMatchObject({ adresse: '3 rue de Gerland, bât. B', dateCreation: '2020-06-01', optionTauxUnique: '2022-01-01' });
    expect(lyon.sections[0].codeRisque).toBe('52.1BC');
    expect((await etablissementReferentiel(db.knex, '98765432400019'))!.alsaceMoselle).toBe(true);
    // La Poste: SIRET valid by its digit-sum rule, not by Luhn
    expect((await etablissementReferentiel(db.knex, '35600000000001'))!.entreprise?.raisonSociale).toBe('La Poste');
    expect(await etablissementReferentiel(db.knex, '12345678200036')).toBeNull();
  });

  it('lists the sinistres of the establishment with their categories', async () => {
    await importerSinistres(db.knex, [sinistre('extrait-2024-06.csv')], { outDir: tmp });
    const e = (await etablissementReferentiel(db.knex, '98765432400019', { depuisAnnee: 2023 }))!;
    const par = Object.fromEntries(e.sinistres.map((s) => [s.sinistreId, s]));
    // S3 (IP < 10 %) is charged to the user establishment too from 2024 on; S7 is not (user in a collective procedure)
    expect(Object.keys(par).sort()).toEqual(['S2', 'S3', 'S4', 'S5', 'S6']);
    expect(par.S3).toMatchObject({ imputation: 'utilisateur', categorieIP: 'IP1', partIP: '0.5' });
    expect(par.S4).toMatchObject({ imputation: 'employeur', categorieIT: 'IT5', categorieIP: null, exclusion: null, partIT: '0.75' });
    expect(par.S5.exclusion).toMatch(/trajet/);
    expect(par.S6).toMatchObject({ categorieIP: 'IP3', exclusion: expect.stringMatching(/compte spécial/), partIT: null });
    // temp worker's claim classified in 2024: this user establishment bears half of each category, IT and IP, in
    // every campaign using it (2026–2028; R.242-6-1 as amended by décret 2024-723)
    expect(par.S2).toMatchObject({ imputation: 'utilisateur', categorieIT: 'IT3', categorieIP: 'IP2', partIT: '0.5', partIP: '0.5', exclusion: null });
    expect((await etablissementReferentiel(db.knex, '98765432400019', { depuisAnnee: 2025 }))!.sinistres).toEqual([]);
  });

  it('a re-import updates in place (same keys, no duplicates)', async () => {
    const r = await importerFichierReferentiel(db.knex, fixture('etablissements.csv'), { annee: 2026 });
    expect(r.lignes).toBe(6);
    expect(await count(db, 'etablissement_section')).toBe(6);
  });
});

describe('référentiel validation: every rule, file:line (column), nothing applied', () => {
  const G = 'groupe_id;nom;siren_tete;email_notification;notification_groupee\n';
  const E = 'siren;raison_sociale;siret_siege;groupe_id;email_notification;notification_dematerialisee\n';
  const T = 'siret;nom;code_postal;code_risque;section;date_debut_section;date_creation;option_taux_unique\n';
  const N = 'siret;code_risque;annee;taux\n';

  it('SIREN Luhn key', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('g1.csv', G + 'G9;X;123456789;;non\n')));
    expect(e.problems).toEqual([expect.objectContaining({ line: 2, column: 'siren_tete', reason: expect.stringMatching(/Luhn/) })]);
    expect(e.message).toMatch(/g1\.csv:2 \(siren_tete\): SIREN 123456789 : clé de contrôle \(Luhn\) invalide/);
    const e2 = await rejet(importerFichierReferentiel(db.knex, csv('e0.csv', E + '12345678;X;12345678200010;;;non\n')));
    expect(e2.problems[0]).toMatchObject({ line: 2, column: 'siren', reason: expect.stringMatching(/9 chiffres/) });
  });

  it('SIRET Luhn key, and La Poste only by its own rule', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('e1.csv', E + '123456782;X;12345678200011;;;non\n')));
    expect(e.problems).toEqual([expect.objectContaining({ line: 2, column: 'siret_siege', reason: expect.stringMatching(/Luhn/) })]);
    const e2 = await rejet(importerFichierReferentiel(db.knex, csv('t0.csv', T + '35600000000002;Poste;75015;74.5BD;principale;;;\n')));
    expect(e2.problems[0]).toMatchObject({ line: 2, column: 'siret' });
  });

  it('SIRET starting with its company SIREN', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('e2.csv', E + '123456782;X;98765432400019;;;non\n')));
    expect(e.problems[0]).toMatchObject({ line: 2, column: 'siret_siege', reason: expect.stringMatching(/ne commence pas par le SIREN 123456782/) });
    const t = 'siren;' + T;
    const e2 = await rejet(importerFichierReferentiel(db.knex, csv('t1.csv', t + '123456782;12345678200036;Nouveau;75002;74.5BD;principale;;;\n987654324;12345678200036;Nouveau;75002;52.1BC;bureau;;;\n')));
    expect(e2.problems).toEqual([expect.objectContaining({ line: 3, column: 'siren', reason: expect.stringMatching(/ne commence pas par le SIREN 987654324/) })]);
    // a SIRET whose company is not in the référentiel
    const e3 = await rejet(importerFichierReferentiel(db.knex, csv('t2.csv', T + '11122233700011;Autre;69002;74.5BD;principale;;;\n')));
    expect(e3.problems).toEqual([expect.objectContaining({ line: 2, column: 'siret', reason: expect.stringMatching(/entreprise SIREN 111222337 inconnue/) })]);
  });

  it('code risque: format and presence in the barème of the year', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('t3.csv', T + '12345678200036;Lyon 2;69007;52-1BC;principale;;;\n12345678200044;Lyon 3;69007;99.9ZZ;principale;;;\n'), { annee: 2026 }));
    expect(e.problems.map((p) => [p.line, p.column])).toEqual([[2, 'code_risque'], [3, 'code_risque']]);
    expect(e.problems[0].reason).toMatch(/hors format NN\.NXX/);
    expect(e.problems[1].reason).toBe('code risque 99.9ZZ absent du barème 2026');
    // FSNA section carries 00.00B / 00.00A only
    const e2 = await rejet(importerFichierReferentiel(db.knex, csv('t4.csv', T + '12345678200036;Lyon 2;69007;52.1BC;principale;;;\n12345678200036;Lyon 2;69007;74.5BD;fsna;;;\n'), { annee: 2026 }));
    expect(e2.problems).toEqual([expect.objectContaining({ line: 3, column: 'code_risque', reason: expect.stringMatching(/section fsna porte le code 00\.00B/) })]);
  });

  it('2023 has no collective rates: the codes are checked against the latest loaded year before it', async () => {
    const r = await importerFichierReferentiel(db.knex, csv('t5.csv', T + '12345678200036;Lyon 2;69007;52.1BC;principale;;;\n'), { annee: 2023 });
    expect(r.lignes).toBe(1);
  });

  it('e-mail syntax and oui/non', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('e3.csv', E + '123456782;X;12345678200010;;paie@@durand;peut-être\n987654324;Y;98765432400019;;;oui\n')));
    expect(e.problems.map((p) => [p.line, p.column])).toEqual([[2, 'email_notification'], [2, 'notification_dematerialisee'], [3, 'email_notification']]);
    expect(e.problems[0].reason).toBe('adresse e-mail "paie@@durand" invalide');
    expect(e.problems[2].reason).toMatch(/dématérialisée sans adresse e-mail/);
  });

  it('dates', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('t6.csv', T + '12345678200036;Lyon 2;69007;52.1BC;principale;2023-02-30;31/12/2020;2021-13-01\n'), { annee: 2026 }));
    // 31/12/2020 is a valid date_creation; 30 February and month 13 are not
    expect(e.problems.map((p) => [p.line, p.column])).toEqual([[2, 'option_taux_unique'], [2, 'date_debut_section']]);
    expect(e.problems[0].reason).toBe('date "2021-13-01" invalide (AAAA-MM-JJ ou JJ/MM/AAAA)');
  });

  it('unknown group, unknown establishment for a notified rate, duplicates, bad rate and year', async () => {
    const e = await rejet(importerFichierReferentiel(db.knex, csv('e4.csv', E + '123456782;X;12345678200010;G7;;non\n')));
    expect(e.problems[0]).toMatchObject({ column: 'groupe_id', reason: expect.stringMatching(/groupe "G7" inconnu/) });
    const e2 = await rejet(importerFichierReferentiel(db.knex, csv('n1.csv', N + '12345678200051;74.5BD;2025;2.1\n12345678200010;74.5BD;2025;2.1\n12345678200010;74.5BD;2025;2.2\n12345678200010;74.5BD;25;2.1\n12345678200010;74.5BD;2024;2.1.3\n')));
    expect(e2.problems.map((p) => [p.line, p.column])).toEqual([[2, 'siret'], [4, 'annee'], [5, 'annee'], [6, 'taux']]);
    expect(e2.problems[0].reason).toMatch(/établissement 12345678200051 inconnu du référentiel/);
  });

  it('a file with one bad line loads nothing; an unknown header is refused', async () => {
    const before = await db.knex('groupe').orderBy('groupe_id').select('groupe_id', 'nom');
    await rejet(importerFichierReferentiel(db.knex, csv('g2.csv', G + 'G1;Nouveau nom;123456782;;oui\nG3;Autre;123456780;;oui\n')));
    expect(await db.knex('groupe').orderBy('groupe_id').select('groupe_id', 'nom')).toEqual(before);
    const e = await rejet(importerFichierReferentiel(db.knex, csv('x.csv', 'foo;bar\n1;2\n')));
    expect(e.problems[0]).toMatchObject({ line: 1, reason: expect.stringMatching(/en-tête non reconnu/) });
    const e2 = await rejet(importerFichierReferentiel(db.knex, csv('t7.csv', T + '12345678200036;Lyon 2;69007;52.1BC;fsna;;;\n')));
    expect(e2.problems.map((p) => p.column)).toContain('section');
  });
});

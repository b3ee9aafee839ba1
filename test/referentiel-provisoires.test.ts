import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT } from './helpers/cli.ts';
import { creerEtablissementsProvisoires, lireCodeRisqueDsn } from '../pipelines/ingest-referentiel/provisoires.ts';
import { importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { etablissementReferentiel } from '../pipelines/ingest-referentiel/etablissement.ts';

const fixture = (f: string) => join(ROOT, 'test', 'fixtures', 'referentiel', f);
let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

describe('DSN code risque (S21.G00.40.040)', () => {
  it('adds the dot, reads the trailing B as a former bureau section, 999ZZ as not notified', () => {
    expect(lireCodeRisqueDsn('521BC')).toEqual({ codeRisque: '52.1BC', section: 'principale' });
    expect(lireCodeRisqueDsn('602MDB')).toEqual({ codeRisque: '60.2MD', section: 'bureau' });
    expect(lireCodeRisqueDsn('0000B')).toEqual({ codeRisque: '00.00B', section: 'fsna' });
    expect(lireCodeRisqueDsn('52.1BC')).toEqual({ codeRisque: '52.1BC', section: 'principale' });
    expect(lireCodeRisqueDsn('999ZZ')).toMatchObject({ codeRisque: null, motif: expect.stringMatching(/pas encore notifié/) });
    expect(lireCodeRisqueDsn('52AB')).toMatchObject({ codeRisque: null, motif: expect.stringMatching(/illisible/) });
  });
});

describe('creerEtablissementsProvisoires', () => {
  it('creates unknown establishments from the DSN, flagged for review, and refuses invalid SIRETs', async () => {
    const r = await creerEtablissementsProvisoires(db.knex, [
      { siret: '12345678200028', apet: '4941A', codeRisqueDsn: '521BC' },
      { siret: '12345678200028', apet: '4941A', codeRisqueDsn: '745BDB' },
      { siret: '12345678200036', apet: '7010Z', codeRisqueDsn: '999ZZ' },
      { siret: '12345678200037', apet: '7010Z', codeRisqueDsn: '521BC' },
    ]);
    expect(r.crees).toEqual(['12345678200028', '12345678200036']);
    expect(r.sectionsAjoutees).toBe(0);
    expect(r.refuses).toEqual([{ siret: '12345678200037', motif: expect.stringMatching(/Luhn/) }]);
    const e = (await etablissementReferentiel(db.knex, '12345678200028'))!;
    expect(e).toMatchObject({ origine: 'dsn', aRevoir: true, apet: '4941A', siren: '123456782', entreprise: null });
    expect(e.motifRevue).toMatch(/créé depuis la DSN/);
    expect(e.sections.map((s) => [s.codeRisque, s.section])).toEqual([['52.1BC', 'principale'], ['74.5BD', 'bureau']]);
    const sans = (await etablissementReferentiel(db.knex, '12345678200036'))!;
    expect(sans.sections).toEqual([]);
    expect(sans.motifRevue).toMatch(/999ZZ/);
  });

  it('is idempotent and adds a newly seen section to a provisional establishment', async () => {
    const r = await creerEtablissementsProvisoires(db.knex, [
      { siret: '12345678200028', apet: '4941A', codeRisqueDsn: '521BC' },
      { siret: '12345678200036', apet: '7010Z', codeRisqueDsn: '0000B' },
    ]);
    expect(r.crees).toEqual([]);
    expect(r.sectionsAjoutees).toBe(1);
    expect((await etablissementReferentiel(db.knex, '12345678200036'))!.sections.map((s) => s.codeRisque)).toEqual(['00.00B']);
  });

  it('the référentiel wins: its import replaces the provisional data, and the DSN no longer touches it', async () => {
    const r = await importerReferentiel(db.knex, [fixture('groupes.csv'), fixture('entreprises.csv'), fixture('etablissements.csv')], { annee: 2026 });
    expect(r.rejetes).toEqual([]);
    const e = (await etablissementReferentiel(db.knex, '12345678200028'))!;
    expect(e).toMatchObject({ origine: 'referentiel', aRevoir: false, motifRevue: null, nom: 'Dépôt Lyon', apet: '4941A' });
    expect(e.sections.map((s) => [s.codeRisque, s.section])).toEqual([['52.1BC', 'principale']]);
    const again = await creerEtablissementsProvisoires(db.knex, [{ siret: '12345678200028', apet: '4941A', codeRisqueDsn: '602MDB' }]);
    expect(again).toMatchObject({ crees: [], sectionsAjoutees: 0, dejaAuReferentiel: ['12345678200028'] });
    expect((await etablissementReferentiel(db.knex, '12345678200028'))!.sections).toHaveLength(1);
    // the one the référentiel does not know stays provisional
    expect((await etablissementReferentiel(db.knex, '12345678200036'))!.aRevoir).toBe(true);
  });
});

/** Validity periods of the rates, from the barème (décret 2025-318: the 2025 rates from 1 May 2025). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from './helpers/db.ts';
import { validitesTaux } from '../pipelines/bareme/validite.ts';
import { definitionNotification, type DonneesNotification } from '../templates/notification.ts';

let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => db?.drop());

describe('validity of the rates (barème data, never hard-coded)', () => {
  it('the 2024 rates until 30 April 2025, the 2025 rates from 1 May 2025, 2026 the calendar year', async () => {
    const v = await validitesTaux(db.knex, [2024, 2025, 2026, 2031]);
    expect(Object.fromEntries(v)).toEqual({
      2024: { debut: '2024-01-01', fin: '2025-04-30' },
      2025: { debut: '2025-05-01', fin: '2025-12-31' },
      2026: { debut: '2026-01-01', fin: '2026-12-31' },
    });
  });

  it('an imported barème with other dates changes what is shown', async () => {
    await db.knex('bareme_majorations').where({ annee: 2026 }).update({ date_debut: '2026-03-01' });
    expect((await validitesTaux(db.knex, [2026])).get(2026)).toEqual({ debut: '2026-03-01', fin: '2026-12-31' });
  });
});

describe('the notification letter states the rates’ validity', () => {
  const donnees = (validite: DonneesNotification['validite']): DonneesNotification => ({
    annee: 2025, date: '2025-04-30', horodatage: '2025-04-30T08:00:00.000Z', reference: 'ATMP-2025-123456782',
    carsat: { nom: 'Carsat', adresse: ['1 rue'] },
    destinataire: { siren: '123456782', nom: 'Société', siret_siege: null, adresse: null, code_postal: null, commune: null, groupe_nom: null },
    sections: [], validite,
  });
  const texte = (d: DonneesNotification) => JSON.stringify(definitionNotification(d).content);

  it('2025: applicable from 1 May 2025 to 31 December 2025', () => {
    const t = texte(donnees({ debut: '2025-05-01', fin: '2025-12-31' }));
    expect(t).toContain('applicables du 1er mai 2025 au 31 décembre 2025');
    expect(t).toContain('rémunérations versées du 1er mai 2025 au 31 décembre 2025');
    expect(t).not.toContain('1er janvier');
  });
  it('without a loaded validity, the year only (no invented dates)', () => {
    const t = texte(donnees(null));
    expect(t).toContain('applicables pour l’année 2025');
    expect(t).not.toMatch(/1er janvier|31 décembre/);
  });
});

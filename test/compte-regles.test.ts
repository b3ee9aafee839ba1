/** rules/consultation.ts: notification date of a decision made available in the account, and the recours deadline. */
import { describe, expect, it } from 'vitest';
import { ajouterMois, etatNotification, jourParis, recommandeAvecAccuse } from '../rules/consultation.ts';

describe('notification date (CSS L242-5, Cass. avis 5 octobre 2023) and recours deadline (R142-1-A)', () => {
  it('not consulted, before the 15th day: waiting, the latest date known', () => {
    const e = etatNotification({ miseADisposition: '2026-03-02', aujourdhui: '2026-03-16' });
    expect(e).toMatchObject({ etat: 'en_attente', notifieeLe: null, par: null, auPlusTardLe: '2026-03-17', recoursJusquAu: null });
  });
  it('not consulted, 15 days after: deemed notified on that day', () => {
    const e = etatNotification({ miseADisposition: '2026-03-02', aujourdhui: '2026-03-17' });
    expect(e).toMatchObject({ etat: 'reputee_notifiee', notifieeLe: '2026-03-17', par: 'quinze_jours', recoursJusquAu: '2026-05-17' });
  });
  it('consulted within the 15 days: notified on the day of the first consultation', () => {
    const e = etatNotification({ miseADisposition: '2026-03-02', premiereConsultation: '2026-03-05', aujourdhui: '2026-06-30' });
    expect(e).toMatchObject({ etat: 'notifiee', notifieeLe: '2026-03-05', par: 'consultation', recoursJusquAu: '2026-05-05' });
    expect(e.etape.reference).toContain('L242-5');
  });
  it('consulted on the 15th day counts as a consultation; after it, the deemed date stays', () => {
    expect(etatNotification({ miseADisposition: '2026-03-02', premiereConsultation: '2026-03-17', aujourdhui: '2026-03-17' }).par).toBe('consultation');
    expect(etatNotification({ miseADisposition: '2026-03-02', premiereConsultation: '2026-03-20', aujourdhui: '2026-03-20' })).toMatchObject({ notifieeLe: '2026-03-17', par: 'quinze_jours' });
  });
  it('two months: same day number, or the last day of a shorter month', () => {
    expect(ajouterMois('2026-12-31', 2)).toBe('2027-02-28');
    expect(ajouterMois('2027-12-31', 2)).toBe('2028-02-29');
    expect(ajouterMois('2026-03-31', 2)).toBe('2026-05-31');
    expect(ajouterMois('2026-11-15', 2)).toBe('2027-01-15');
    expect(etatNotification({ miseADisposition: '2026-12-16', aujourdhui: '2027-01-31' }).recoursJusquAu).toBe('2027-02-28');
  });
  it('days are Paris days, and bad dates are refused', () => {
    expect(jourParis(new Date('2026-03-16T23:30:00Z'))).toBe('2026-03-17');
    expect(() => etatNotification({ miseADisposition: '02/03/2026', aujourdhui: '2026-03-17' })).toThrow(/AAAA-MM-JJ/);
  });
  it('paper: mixte and individuel rates by registered letter with acknowledgement of receipt (arrêté du 17 octobre 1995)', () => {
    expect(recommandeAvecAccuse(['collectif'])).toBe(false);
    expect(recommandeAvecAccuse([])).toBe(false);
    expect(recommandeAvecAccuse(['collectif', 'mixte'])).toBe(true);
    expect(recommandeAvecAccuse(['individuel'])).toBe(true);
  });
});

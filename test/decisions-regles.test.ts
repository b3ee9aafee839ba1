/** The pure rules of the decisions after the campaign: rate in force, finality, repeat, ristourne bounds. */
import { describe, expect, it } from 'vitest';
import { D } from '../rules/decimal.ts';
import { calendrier, type Decision } from '../rules/taux-en-vigueur.ts';
import { deuxMoisApres, rectifiable, tauxDefinitif } from '../rules/rectification.ts';
import { estRecidive, cotisationSupplementaire } from '../rules/cotisation-supplementaire.ts';
import { premierDuMoisSuivant, ristourneTravail, unAnMoinsUnJour, verifierBudgetRistournes } from '../rules/ristourne.ts';

const dec = (id: number, nature: Decision['nature'], taux: string, debut: string, fin: string, extra: Partial<Decision> = {}): Decision =>
  ({ id, nature, taux: D(taux), pourcentage: null, points: null, debut, fin, remplaceId: null, ...extra });

describe('rate in force', () => {
  it('a rectification replaces the whole year; a cotisation follows the rectified base', () => {
    const ds = [
      dec(1, 'campagne', '2.00', '2024-01-01', '2024-12-31'),
      dec(2, 'cotisation_supplementaire', '2.50', '2024-04-01', '2024-12-31', { pourcentage: D(25) }),
      dec(3, 'rectification', '1.60', '2024-01-01', '2024-12-31', { remplaceId: 1 }),
    ];
    expect(calendrier(ds).map((s) => [s.debut, s.fin, s.taux.toFixed(2), s.nature])).toEqual([
      ['2024-01-01', '2024-03-31', '1.60', 'rectification'],
      ['2024-04-01', '2024-12-31', '2.00', 'cotisation_supplementaire'],
    ]);
  });

  it('a ristourne keeps its points on a rectified base; a replaced ristourne ends the day before its replacement', () => {
    const ds = [
      dec(1, 'campagne', '3.00', '2024-01-01', '2024-12-31'),
      dec(2, 'ristourne', '2.70', '2024-03-01', '2024-12-31', { points: D('-0.3') }),
      dec(3, 'ristourne', '2.80', '2024-07-01', '2024-12-31', { points: D('-0.2'), remplaceId: 2 }),
    ];
    expect(calendrier(ds).map((s) => [s.debut, s.fin, s.taux.toFixed(2)])).toEqual([
      ['2024-01-01', '2024-02-29', '3.00'], ['2024-03-01', '2024-06-30', '2.70'], ['2024-07-01', '2024-12-31', '2.80'],
    ]);
  });
});

describe('finality of a notified rate', () => {
  it('two months after notification, clamped to the end of the month', () => {
    expect(deuxMoisApres('2023-12-31')).toBe('2024-02-29');
    expect(deuxMoisApres('2024-11-15')).toBe('2025-01-15');
  });
  it('final the day after the two months, never under recours nor without a notification date', () => {
    expect(tauxDefinitif('2024-01-10', false, '2024-03-10')).toBe(false);
    expect(tauxDefinitif('2024-01-10', false, '2024-03-11')).toBe(true);
    expect(tauxDefinitif('2024-01-10', true, '2025-01-01')).toBe(false);
    expect(tauxDefinitif(null, false, '2025-01-01')).toBe(false);
  });
  it('only a court decision rectifies a final rate', () => {
    expect(rectifiable('reexamen-caisse', true).rectifiable).toBe(false);
    expect(rectifiable('inopposabilite', true).etape.valeur).toBe('définitif, non rectifié');
    expect(rectifiable('decision-justice', true).rectifiable).toBe(true);
    expect(rectifiable('correction-donnees', false).rectifiable).toBe(true);
  });
});

describe('ristournes and cotisations supplémentaires', () => {
  it('a ristourne starts on the 1st of the next month and lasts one year at most', () => {
    expect(premierDuMoisSuivant('2024-12-15')).toBe('2025-01-01');
    expect(unAnMoinsUnJour('2024-03-01')).toBe('2025-02-28');
    expect(() => ristourneTravail({ annee: 2024, mode: 'collectif', tauxCollectif: D(2), fraction: null, tauxEnVigueur: D(2), pourcentage: D(10), dateDecision: '2024-02-10', fin: '2025-03-01' })).toThrow(/au plus un an/);
  });
  it('a collective ristourne takes its percentage of the whole collective rate', () => {
    expect(ristourneTravail({ annee: 2024, mode: 'collectif', tauxCollectif: D('2.40'), fraction: null, tauxEnVigueur: D('2.40'), pourcentage: D(25), dateDecision: '2024-02-10' }).taux.toFixed(2)).toBe('1.80');
  });
  it('the budget refuses a cost beyond 0.40 %, accepts one that reaches it exactly', () => {
    expect(verifierBudgetRistournes(D(100000), D(300), D(100)).apres.toFixed(2)).toBe('400.00');
    expect(() => verifierBudgetRistournes(D(100000), D(300), D('100.01'))).toThrow(/budget dépassé/);
  });
  it('a repeat is within three years of an earlier cotisation', () => {
    expect(estRecidive(['2021-05-02'], '2024-05-01')).toBe(true);
    expect(estRecidive(['2021-04-30'], '2024-05-01')).toBe(false);
    expect(cotisationSupplementaire({ stade: 'recidive', tauxEnVigueur: D(2), dateConstat: '2024-05-01', fin: '2024-12-31', precedentes: ['2022-01-01'] }).taux.toFixed(2)).toBe('3.00');
    expect(() => cotisationSupplementaire({ stade: 'six-mois', pourcentage: D(150), tauxEnVigueur: D(2), dateConstat: '2024-05-01', fin: '2024-12-31', precedentes: [] })).toThrow(/200 %/);
  });
});

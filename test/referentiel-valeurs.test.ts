import { describe, expect, it } from 'vitest';
import { alsaceMoselle, emailValide, lireDate, lireDecimal, lireOuiNon } from '../pipelines/ingest-referentiel/valeurs.ts';

describe('référentiel cell readers', () => {
  it('Alsace-Moselle: departments 57, 67, 68 only', () => {
    for (const cp of ['57000', '67000', '68100']) expect(alsaceMoselle(cp), cp).toBe(true);
    for (const cp of ['54000', '75002', '6700', '670001', '88000']) expect(alsaceMoselle(cp), cp).toBe(false);
  });
  it('dates: ISO or French, real calendar days only', () => {
    expect(lireDate('2024-02-29')).toBe('2024-02-29');
    expect(lireDate('29/02/2024')).toBe('2024-02-29');
    expect(lireDate('2023-02-29')).toBeUndefined();
    expect(lireDate('31/04/2024')).toBeUndefined();
    expect(lireDate('2024-1-05')).toBeUndefined();
    expect(lireDate('05.01.2024')).toBeUndefined();
  });
  it('e-mail syntax', () => {
    for (const ok of ['paie@durand.example.fr', 'a.b+c@sous-domaine.example.com']) expect(emailValide(ok), ok).toBe(true);
    for (const ko of ['paie@@durand.fr', 'paie@durand', 'paie durand@x.fr', '@x.fr', 'a..b@x.fr', 'a@-x.fr', 'a.@x.fr']) expect(emailValide(ko), ko).toBe(false);
  });
  it('oui/non and decimals', () => {
    expect([lireOuiNon('OUI'), lireOuiNon('non'), lireOuiNon(''), lireOuiNon('1'), lireOuiNon('peut-être')]).toEqual([true, false, false, true, undefined]);
    expect(lireDecimal('2,09')!.toString()).toBe('2.09');
    expect(lireDecimal('1 234,5')!.toString()).toBe('1234.5');
    expect(lireDecimal('-1')).toBeUndefined();
    expect(lireDecimal('2.1.3')).toBeUndefined();
  });
});

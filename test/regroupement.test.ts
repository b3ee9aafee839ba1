/** Pooling of sections (rules/regroupement.ts): taux unique, bureau merged from 2020, first-year previous rates. */
import { describe, expect, it } from 'vitest';
import { D, type Decimal } from '../rules/decimal.ts';
import {
  etapesRegroupement, premiereAnneeTauxUnique, regrouperSections, tauxPrecedentGroupe, tauxUniqueEnVigueur, type SectionARegrouper,
} from '../rules/regroupement.ts';

const sec = (siret: string, code: string, section: SectionARegrouper['section'] = 'principale', option: string | null = null): SectionARegrouper =>
  ({ siret, siren: siret.slice(0, 9), code_risque: code, section, option_taux_unique: option });
const precedents = new Map<string, Decimal>([['12345678200010/27.1ZF', D('3')], ['12345678200028/27.1ZF', D('5')], ['12345678200010/00.00B', D('1')]]);
const precedent = (siret: string, code: string) => precedents.get(`${siret}/${code}`);
const masses = new Map([['12345678200010', D(1e6)], ['12345678200028', D(3e6)]]);
const masse = (siret: string) => masses.get(siret) ?? D(0);

describe('taux unique (CSS D242-6-1; arrêté du 17 octobre 1995 art. 7)', () => {
  it('takes effect on 1 January of the rate year; its first year is the year it took effect', () => {
    expect(tauxUniqueEnVigueur('2024-01-01', 2024)).toBe(true);
    expect(tauxUniqueEnVigueur('2024-03-01', 2024)).toBe(false);
    expect(premiereAnneeTauxUnique('2024-01-01', 2024)).toBe(true);
    expect(premiereAnneeTauxUnique('2023-01-01', 2024)).toBe(false);
  });
  it('pools the main sections of one SIREN and code risque; the first year averages the N-1 rates by masse salariale', () => {
    const [g, ...autres] = regrouperSections([sec('12345678200010', '27.1ZF', 'principale', '2024-01-01'), sec('12345678200028', '27.1ZF', 'principale', '2024-01-01')], 2024);
    expect(autres).toEqual([]);
    expect(g).toMatchObject({ cle: 'TU/123456782/27.1ZF', tauxUnique: true, sirets: ['12345678200010', '12345678200028'] });
    expect(tauxPrecedentGroupe(g, 2024, precedent, masse)).toEqual({ tauxPrecedents: [{ taux: D(3), masseSalariale: D(1e6) }, { taux: D(5), masseSalariale: D(3e6) }] });
    // the year after, the pool's own previous rate
    const [g2] = regrouperSections([sec('12345678200010', '27.1ZF', 'principale', '2023-01-01'), sec('12345678200028', '27.1ZF', 'principale', '2023-01-01')], 2024);
    expect(tauxPrecedentGroupe(g2, 2024, precedent, masse)).toEqual({ tauxPrecedent: D(3) });
    expect(etapesRegroupement(g).map((e) => [e.id, e.reference])).toEqual([['taux_unique', 'CSS art. D242-6-1 ; arrêté du 17 octobre 1995 art. 7']]);
  });
  it('no masse salariale for any of them: the first rate alone', () => {
    const [g] = regrouperSections([sec('12345678200010', '27.1ZF', 'principale', '2024-01-01'), sec('12345678200028', '27.1ZF', 'principale', '2024-01-01')], 2024);
    expect(tauxPrecedentGroupe(g, 2024, precedent, () => D(0))).toEqual({ tauxPrecedent: D(3) });
  });
});

describe('bureau section merged from 2020 (end of the taux bureau; Cass. 2e civ. 7 janvier 2021 n° 19-24.045)', () => {
  const sections = [sec('12345678200010', '27.1ZF'), sec('12345678200010', '00.00B', 'bureau')];
  it('until 2019 the bureau section is its own pool', () => {
    expect(regrouperSections(sections, 2019).map((g) => [g.cle, g.bureaux.length])).toEqual([['12345678200010/27.1ZF/principale', 0], ['12345678200010/00.00B/bureau', 0]]);
  });
  it('in 2020 it joins the main section, and the previous rate weights both N-1 rates by masse salariale', () => {
    const [g, ...autres] = regrouperSections(sections, 2020);
    expect(autres).toEqual([]);
    expect(g.bureaux.map((b) => b.code_risque)).toEqual(['00.00B']);
    expect(tauxPrecedentGroupe(g, 2020, precedent, masse)).toEqual({ tauxPrecedents: [{ taux: D(3), masseSalariale: D(1e6) }, { taux: D(1), masseSalariale: D(1e6) }] });
    expect(etapesRegroupement(g)[0]).toMatchObject({ id: 'fusion_bureau', reference: expect.stringContaining('19-24.045') });
  });
  it('from 2021 the merged section keeps its own previous rate', () => {
    const [g] = regrouperSections(sections, 2021);
    expect(tauxPrecedentGroupe(g, 2021, precedent, masse)).toEqual({ tauxPrecedent: D(3) });
  });
  it('a bureau section without a main section in its establishment stays on its own', () => {
    expect(regrouperSections([sec('12345678200010', '00.00B', 'bureau')], 2021).map((g) => g.cle)).toEqual(['12345678200010/00.00B/bureau']);
  });
});

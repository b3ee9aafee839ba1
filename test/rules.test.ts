/** Unit and property tests of the pure rules (no database). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { D, type Decimal } from '../rules/decimal.ts';
import { effectifMoyen, tronquerEffectif } from '../rules/effectif.ts';
import { modeSelonEffectif, seuils } from '../rules/mode.ts';
import { categorieIP, categorieIT } from '../rules/categories.ts';
import { bornesEcretement, ecreter } from '../rules/ecretement.ts';
import { fractionIndividuelle } from '../rules/fraction-mixte.ts';
import { tauxMinimum, tauxNet } from '../rules/taux-net.ts';
import { arrondirTaux } from '../rules/arrondi.ts';
import { tauxPrecedentPondere } from '../rules/taux-precedent.ts';
import { collectifNouvelEtablissement } from '../rules/nouvel-etablissement.ts';
import { calculerTaux, type Situation } from '../rules/taux-etablissement.ts';
import type { BaremeAnnee, CategorieCout, TableCouts } from '../rules/bareme.ts';
import type { SinistreImpute } from '../rules/imputation.ts';
import type { Periode } from '../rules/parametres.ts';

const ds = (xs: (string | number)[]) => xs.map((x) => D(x));

describe('effectif (CSS R130-1)', () => {
  it('averages the months with employees and truncates: 11, 15, 23, 23, 23, 11 → 17.66', () => {
    expect(effectifMoyen(ds([11, 15, 23, 23, 23, 11, 0, 0, 0, 0, 0, 0])).toFixed(2)).toBe('17.66');
  });
  it('truncates, never rounds: 19.999 → 19.99; 149.999 → 149.99', () => {
    expect(tronquerEffectif(D('19.999')).toString()).toBe('19.99');
    expect(tronquerEffectif(D('149.999')).toString()).toBe('149.99');
  });
  it('a year without any employee has effectif 0', () => expect(effectifMoyen(ds([0, 0])).toString()).toBe('0'));
  it('property: truncation t satisfies t ≤ x < t + 0.01', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (milli) => {
        const x = D(milli).div(1000);
        const t = tronquerEffectif(x);
        return t.lte(x) && x.lt(t.plus('0.01')) && t.decimalPlaces() <= 2;
      }),
    );
  });
});

describe('mode (CSS D.242-6-2, D.242-30)', () => {
  const g = seuils(false, false);
  it.each([
    ['19.99', 'collectif'], ['20', 'mixte'], ['149.99', 'mixte'], ['150', 'individuel'],
  ])('general: E = %s → %s', (e, m) => expect(modeSelonEffectif(D(e), g)).toBe(m));
  it('Alsace-Moselle: 49.99 collectif, 50 mixte, 150 individuel; BTP up to 299.99 mixte', () => {
    const am = seuils(true, false);
    const btp = seuils(true, true);
    expect([modeSelonEffectif(D('49.99'), am), modeSelonEffectif(D(50), am), modeSelonEffectif(D(150), am)]).toEqual(['collectif', 'mixte', 'individuel']);
    expect([modeSelonEffectif(D('299.99'), btp), modeSelonEffectif(D(300), btp)]).toEqual(['mixte', 'individuel']);
  });
  it('effectif just under a threshold stays in the lower mode (19.999 → 19.99 → collectif)', () => {
    expect(modeSelonEffectif(tronquerEffectif(D('19.999')), g)).toBe('collectif');
  });
});

describe('categories (CSS D.242-6-6)', () => {
  it.each([[0, 'IT1'], [3, 'IT1'], [4, 'IT2'], [15, 'IT2'], [16, 'IT3'], [45, 'IT3'], [46, 'IT4'], [90, 'IT4'], [91, 'IT5'], [150, 'IT5'], [151, 'IT6']])(
    'IT: %i days → %s', (j, c) => expect(categorieIT(j)).toBe(c),
  );
  it.each([['9.99', false, 'IP1'], ['10', false, 'IP2'], ['19.9', false, 'IP2'], ['20', false, 'IP3'], ['39', false, 'IP3'], ['40', false, 'IP4'], ['0', true, 'IP4']])(
    'IP: %s %% (death %s) → %s', (t, d, c) => expect(categorieIP(D(t), d as boolean)).toBe(c),
  );
});

describe('écrêtement (CSS D.242-6-15)', () => {
  it.each([
    ['4.50', '3.60', '5.62'], ['4.01', '3.21', '5.01'], ['3.50', '2.70', '4.50'], ['4', '3.20', '5.00'], ['4.20', '3.36', '5.25'], ['5.50', '4.40', '6.87'],
  ])('P = %s → [%s ; %s]', (p, min, max) => {
    const b = bornesEcretement(D(p));
    expect([b.plancher.toFixed(2), b.plafond.toFixed(2)]).toEqual([min, max]);
  });
  it('property: the notified rate never leaves the bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 10000 }), (pc, tc) => {
        const p = D(pc).div(100);
        const t = D(tc).div(100);
        const e = ecreter(t, p);
        return e.taux.gte(e.plancher) && e.taux.lte(e.plafond) && e.plancher.lte(e.plafond) && e.plafond.lte(p.lte(4) ? p.plus(1) : p.times('1.25')) && e.plancher.gte(p.lte(4) ? p.minus('0.8') : p.times('0.8'));
      }),
    );
  });
});

describe('taux net, fraction, rounding', () => {
  const m2024 = { m1: D('0.17'), m2: D('58'), m3: D('0.16'), m4: D('0.03'), source: '' };
  it('incompressible minimum 2024 = 0.4586, published 0.46', () => {
    expect(tauxMinimum(m2024).toString()).toBe('0.4586');
    expect(arrondirTaux(tauxMinimum(m2024)).toFixed(2)).toBe('0.46');
  });
  it('worked example B: TN(1.030048) = 2.086075…', () => expect(tauxNet(D(43262).div(42000), m2024).toFixed(6)).toBe('2.086075'));
  it.each([
    [20, '0.100000', '0.007634'], [35, '0.203846', '0.122137'], [50, '0.307692', '0.236641'], [100, '0.653846', '0.618321'], [149, '0.993077', '0.992366'], ['149.99', '0.999931', '0.999924'],
  ])('f(%s): from 2018 %s, up to 2017 %s', (e, f18, f17) => {
    expect(fractionIndividuelle(2018, D(e), false, false).valeur.toFixed(6)).toBe(f18);
    expect(fractionIndividuelle(2017, D(e), false, false).valeur.toFixed(6)).toBe(f17);
  });
  it('half-up to 2 decimals where floats fail: 2.675 → 2.68, 0.8 × 4.20 = 3.36', () => {
    expect(arrondirTaux(D('2.675')).toFixed(2)).toBe('2.68');
    expect(D('0.8').times('4.20').toFixed(2)).toBe('3.36');
  });
  it('weighted previous rate: 3.00 × 1 M€ and 5.00 × 3 M€ → 4.50', () => {
    expect(tauxPrecedentPondere([{ taux: D(3), masseSalariale: D(1e6) }, { taux: D(5), masseSalariale: D(3e6) }]).toString()).toBe('4.5');
  });
  it('new establishment: collectif in the creation year and the two following', () => {
    expect([2021, 2022, 2023, 2024, 2025].map((n) => collectifNouvelEtablissement(n, '2022-06-15', false))).toEqual([true, true, true, true, false]);
    expect(collectifNouvelEtablissement(2024, '2022-06-15', true)).toBe(false);
  });
});

describe('taux brut: more claims never lower it (property)', () => {
  const couts = new Map<TableCouts, Map<CategorieCout, Decimal>>([
    ['A', new Map(['IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6', 'IP1', 'IP2', 'IP3', 'IP4'].map((c, i) => [c as CategorieCout, D(300 * (i + 1) ** 2)]))],
  ]);
  const bareme: BaremeAnnee = {
    annee: 2024,
    majorations: { m1: D('0.17'), m2: D(58), m3: D('0.16'), m4: D('0.03'), source: '' },
    tauxCollectifs: new Map([['27.1ZF', { taux: D('7.38'), collectifQuelQueSoitEffectif: null, source: '' }]]),
    tauxCollectifsAlsaceMoselle: new Map(),
    codes: new Map([['27.1ZF', { code: '27.1ZF', ctn: 'A', particularite: '', libelle: '' }]]),
    coutsMoyens: couts,
    sourcesCoutsMoyens: new Map(),
    marquesTcConnues: new Map(),
    groupesBtp: new Map(),
  };
  const sinistre = fc.record({
    annee: fc.integer({ min: 2019, max: 2023 }),
    nature: fc.constantFrom('AT', 'MP', 'TRAJET') as fc.Arbitrary<'AT' | 'MP' | 'TRAJET'>,
    joursArret: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
    tauxIp: fc.integer({ min: 0, max: 100 }).map((n) => D(n)),
    deces: fc.boolean(),
    part: fc.integer({ min: 0, max: 100 }).map((n) => D(n).div(100)),
  });
  const situation = (sinistres: SinistreImpute[], p?: Decimal): Situation => ({
    annee: 2024, alsaceMoselle: false, codeRisque: '27.1ZF', section: 'principale', effectif: D(200),
    massesSalariales: new Map([[2020, D(1e6)], [2021, D(1e6)], [2022, D(2e6)]]), sinistres, tauxPrecedent: p,
  });
  it('adding a claim never lowers the taux brut', () => {
    fc.assert(
      fc.property(fc.array(sinistre, { maxLength: 12 }), sinistre, (base, extra) => {
        const a = calculerTaux(situation(base), bareme).tauxBrut!;
        const b = calculerTaux(situation([...base, extra]), bareme).tauxBrut!;
        return b.gte(a);
      }),
    );
  });
  it('the notified rate stays within the écrêtement bounds of any previous rate', () => {
    fc.assert(
      fc.property(fc.array(sinistre, { maxLength: 12 }), fc.integer({ min: 10, max: 2000 }), (s, pc) => {
        const r = calculerTaux(situation(s, D(pc).div(100)), bareme);
        return r.ecretement !== null && r.tauxNotifie.gte(r.ecretement.plancher) && r.tauxNotifie.lte(r.ecretement.plafond);
      }),
    );
  });
});

describe('readings settled (issue 14 item 6)', () => {
  it('Alsace-Moselle mixte fraction: current CSS D242-37, (0,075 E − 1,25) / 10 and BTP (0,075 E + 2,5) / 25, with no reservation', () => {
    const f = fractionIndividuelle(2025, D(100), true, false);
    expect([f.valeur.toString(), f.formule, f.note]).toEqual(['0.625', '(0,075 × E − 1,25) / 10', undefined]);
    const b = fractionIndividuelle(2025, D(100), true, true);
    expect([b.valeur.toString(), b.formule, b.note]).toEqual(['0.4', '(0,075 × E + 2,5) / 25', undefined]);
    expect(f.reference).toMatch(/D242-37.*en vigueur/);
  });
  it('the coûts moyens of the rate year apply to the three years: the explanation cites the arrêté, with no reservation', () => {
    const couts = new Map<TableCouts, Map<CategorieCout, Decimal>>([['A', new Map(['IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6', 'IP1', 'IP2', 'IP3', 'IP4'].map((c) => [c as CategorieCout, D(1000)]))]]);
    const bareme: BaremeAnnee = {
      annee: 2024, majorations: { m1: D('0.17'), m2: D(58), m3: D('0.16'), m4: D('0.03'), source: '' },
      tauxCollectifs: new Map([['27.1ZF', { taux: D('7.38'), collectifQuelQueSoitEffectif: false, source: '' }]]), tauxCollectifsAlsaceMoselle: new Map(),
      codes: new Map([['27.1ZF', { code: '27.1ZF', ctn: 'A', particularite: '', libelle: '' }]]), coutsMoyens: couts,
      sourcesCoutsMoyens: new Map(), marquesTcConnues: new Map(), groupesBtp: new Map(),
    };
    const r = calculerTaux({ annee: 2024, alsaceMoselle: false, codeRisque: '27.1ZF', section: 'principale', effectif: D(200), massesSalariales: new Map([[2020, D(1e6)]]), sinistres: [] }, bareme);
    const note = r.explication.find((e) => e.id === 'valeur_du_risque')!.note!;
    expect(note).toContain('coûts moyens 2024 appliqués aux trois années (arrêté annuel art. 3');
    expect(note).not.toContain('à vérifier');
    // the claims the rules leave out are named; past 20 they are counted by reason (the detail keeps each one)
    const trajets = Array.from({ length: 25 }, (_, i): SinistreImpute => ({ id: `T${i}`, annee: 2021, nature: 'TRAJET', joursArret: 10 }));
    const r2 = calculerTaux({ annee: 2024, alsaceMoselle: false, codeRisque: '27.1ZF', section: 'principale', effectif: D(200), massesSalariales: new Map([[2020, D(1e6)]]), sinistres: trajets }, bareme);
    const vr = r2.explication.find((e) => e.id === 'valeur_du_risque')!;
    expect(vr.note).toContain('25 sinistres écartés : accident de trajet : 25');
    expect((vr.detail as { ecartes: unknown[] }).ecartes).toHaveLength(25);
  });
});

describe('legal constants: dated parameters with their article (rules/parametres.ts)', () => {
  it('every parameter covers the rule years 2017–2027, names its article, and the rules read them', async () => {
    const p = await import('../rules/parametres.ts');
    const tables: (readonly Periode<unknown>[])[] = [p.SEUILS_MODE, p.SEUILS_MODE_ALSACE_MOSELLE, p.SEUILS_MODE_ALSACE_MOSELLE_BTP, p.ECRETEMENT];
    for (const table of tables) {
      for (let a = 2017; a <= 2027; a++) expect(p.enVigueur(table, a).reference).toMatch(/CSS art\. D242/);
    }
    expect(() => p.enVigueur(p.SEUILS_MODE, 2005)).toThrow(/2005/);
    expect(seuils(false, false, 2025)).toMatchObject({ mixte: D(20), individuel: D(150), reference: 'CSS art. D242-6-2' });
    expect(seuils(true, true, 2025)).toMatchObject({ mixte: D(50), individuel: D(300) });
    expect(bornesEcretement(D('4.5'), 2025)).toEqual({ plancher: D('3.6'), plafond: D('5.62') });
    expect(p.TAUX_BUREAU.derniereAnnee).toBe(2019);
    expect(p.INTERIM.premiereAnneeMoitie).toBe(2026);
  });
});

/** Intérim shares, CSS R242-6-1 and décret 2024-723 (rules/interim.ts): table of the text, then the property. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { D, type Decimal } from '../rules/decimal.ts';
import { CATEGORIES_IP, CATEGORIES_IT, type BaremeAnnee, type CategorieCout, type CategorieIP, type CategorieIT, type TableCouts } from '../rules/bareme.ts';
import { tarifierEntreprise, type DonneesEntreprise } from '../pipelines/campagne/tarifier.ts';
import { partInterim, regimeInterim } from '../rules/interim.ts';

const CATEGORIES = [...CATEGORIES_IT, ...CATEGORIES_IP];
const part = (taux: number, classement: number, cote: 'utilisatrice' | 'ett', cat: (typeof CATEGORIES)[number]) =>
  partInterim(taux, classement, cote, cat).part.toDecimalPlaces(10).toString();

describe('intérim, former rule (rates up to 2025)', () => {
  it('user company: 1/3 of IP2–IP4, nothing of IT nor IP1', () => {
    for (const c of CATEGORIES_IT) expect(part(2025, 2022, 'utilisatrice', c)).toBe('0');
    expect(part(2025, 2022, 'utilisatrice', 'IP1')).toBe('0');
    for (const c of ['IP2', 'IP3', 'IP4'] as const) expect(part(2025, 2023, 'utilisatrice', c)).toBe('0.3333333333');
  });
  it('ETT: all IT, all IP1, 2/3 of IP2–IP4', () => {
    for (const c of CATEGORIES_IT) expect(part(2019, 2016, 'ett', c)).toBe('1');
    expect(part(2024, 2020, 'ett', 'IP1')).toBe('1');
    expect(part(2024, 2022, 'ett', 'IP4')).toBe('0.6666666667');
  });
  it('cites the former wording of R242-6-1', () => {
    expect(partInterim(2025, 2023, 'ett', 'IP3').etape).toMatchObject({ id: 'interim', reference: expect.stringContaining('R242-6-1 (rédaction antérieure') });
  });
});

describe('intérim, décret 2024-723 (rates from 2026) and its transition (art. 2)', () => {
  it('2026 rates: claims classified in 2022 or 2023 keep the former rule, 2024 ones are shared ½ / ½', () => {
    expect(regimeInterim(2026, 2022)).toBe('tiers');
    expect(regimeInterim(2026, 2023)).toBe('tiers');
    expect(regimeInterim(2026, 2024)).toBe('moitie');
    expect(part(2026, 2022, 'utilisatrice', 'IT3')).toBe('0');
    expect(part(2026, 2024, 'utilisatrice', 'IT3')).toBe('0.5');
    expect(part(2026, 2024, 'ett', 'IP1')).toBe('0.5');
  });
  it('2027 rates: claims classified in 2023 keep the former rule, 2024 and 2025 are ½ / ½', () => {
    expect(regimeInterim(2027, 2023)).toBe('tiers');
    expect(regimeInterim(2027, 2024)).toBe('moitie');
    expect(regimeInterim(2027, 2025)).toBe('moitie');
    expect(part(2027, 2023, 'utilisatrice', 'IP2')).toBe('0.3333333333');
    expect(part(2027, 2025, 'utilisatrice', 'IP2')).toBe('0.5');
  });
  it('from 2028 everything is ½ / ½', () => {
    for (const a of [2024, 2025, 2026]) expect(regimeInterim(2028, a)).toBe('moitie');
    expect(partInterim(2028, 2024, 'utilisatrice', 'IT1').etape.reference).toContain('décret 2024-723');
  });
  it('a user company in a collective procedure bears nothing; the ETT bears the whole cost', () => {
    expect(partInterim(2027, 2025, 'utilisatrice', 'IT2', { procedureCollective: true }).part.toString()).toBe('0');
    expect(partInterim(2027, 2025, 'ett', 'IT2', { procedureCollective: true }).part.toString()).toBe('1');
  });
});

describe('property: the two shares make the full cost', () => {
  it('every rate year 2016–2028, every category, every classification year: user + ETT = 1, and the costs add up', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2016, max: 2028 }),
        fc.integer({ min: 2010, max: 2028 }),
        fc.constantFrom(...CATEGORIES),
        fc.boolean(),
        fc.integer({ min: 1, max: 500_000_000 }),
        (taux, classement, cat, procedureCollective, centimes) => {
          const eu = partInterim(taux, classement, 'utilisatrice', cat, { procedureCollective }).part;
          const ett = partInterim(taux, classement, 'ett', cat, { procedureCollective }).part;
          const cout = D(centimes).div(100);
          const ecart = eu.times(cout).plus(ett.times(cout)).minus(cout).abs();
          return eu.plus(ett).eq(1) && ecart.lt('1e-30') && eu.gte(0) && ett.gte(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('exhaustively over the rate years, classification years and categories', () => {
    for (let taux = 2016; taux <= 2028; taux++) {
      for (let classement = taux - 4; classement <= taux - 2; classement++) {
        for (const c of CATEGORIES) {
          expect(partInterim(taux, classement, 'utilisatrice', c).part.plus(partInterim(taux, classement, 'ett', c).part).eq(1), `${taux}/${classement}/${c}`).toBe(true);
        }
      }
    }
  });
});

describe('the campaign takes the shares from the rule (tarifierEntreprise, facts of sinistre_impute)', () => {
  const couts = new Map<TableCouts, Map<CategorieCout, Decimal>>([
    ['A', new Map(['IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6', 'IP1', 'IP2', 'IP3', 'IP4'].map((c, i) => [c as CategorieCout, D(1000 * (i + 1))]))],
  ]);
  const bareme = (annee: number): BaremeAnnee => ({
    annee,
    majorations: { m1: D('0.2'), m2: D(50), m3: D('0.2'), m4: D('0.03'), source: '' },
    tauxCollectifs: new Map([['27.1ZF', { taux: D('2.5'), collectifQuelQueSoitEffectif: false, source: '' }]]),
    tauxCollectifsAlsaceMoselle: new Map(),
    codes: new Map([['27.1ZF', { code: '27.1ZF', ctn: 'A', particularite: '', libelle: '' }]]),
    coutsMoyens: couts, sourcesCoutsMoyens: new Map(), marquesTcConnues: new Map(), groupesBtp: new Map(),
  });
  const donnees = (annee: number, imputation: 'employeur' | 'utilisateur'): DonneesEntreprise => ({
    siren: '123456782',
    sections: [{ siret: '12345678200010', siren: '123456782', code_risque: '27.1ZF', section: 'principale', alsace_moselle: false, date_creation: null, option_taux_unique: null }],
    masses: [annee - 4, annee - 3, annee - 2].map((a) => ({ siret: '12345678200010', annee: a, masse_salariale: '1000000' })),
    effectifs: Array.from({ length: 12 }, (_, i) => ({ siren: '123456782', mois: i + 1, effectif: '200' })),
    // one temp's claim classified in N-4 (IT2 + IP2) and one in N-2 (IT3), a trajet and an inopposable claim
    sinistres: [
      { n: 'T1', a: annee - 4, it: 'IT2', ip: 'IP2' }, { n: 'T2', a: annee - 2, it: 'IT3', ip: null },
      { n: 'T3', a: annee - 2, it: 'IT6', ip: null, nature: 'TRAJET' }, { n: 'T4', a: annee - 2, it: 'IT6', ip: null, inopposable: true },
    ].map((x) => ({
      siret: '12345678200010', sinistre_id: x.n, imputation, nature: (x.nature ?? 'AT') as 'AT', annee: x.a, categorie_it: x.it as CategorieIT,
      annee_ip: x.a, categorie_ip: x.ip as CategorieIP | null, part_tiers: '0', interim: imputation === 'employeur' ? 'ett' : 'utilisatrice',
      procedure_collective: false, compte_special: false, inopposable: x.inopposable ?? false,
    })),
    tauxPrecedents: [],
  });
  const vr = (annee: number, imputation: 'employeur' | 'utilisateur') => {
    const [l] = tarifierEntreprise(donnees(annee, imputation), bareme(annee));
    expect(l.erreur).toBeNull();
    return l.resultat!;
  };
  // coûts: IT2 2 000, IT3 3 000, IP2 8 000
  it('2025 rates (former rule): the user company bears 1/3 of the IP2 only; the agency the rest', () => {
    expect(vr(2025, 'utilisateur').valeurDuRisque!.total.toDecimalPlaces(6).toString()).toBe('2666.666667');
    expect(vr(2025, 'employeur').valeurDuRisque!.total.toDecimalPlaces(6).toString()).toBe('10333.333333');
  });
  it('2026 rates: the claim classified in 2022 keeps the former rule, the 2024 one is shared ½ / ½', () => {
    const eu = vr(2026, 'utilisateur');
    expect(eu.valeurDuRisque!.total.toDecimalPlaces(6).toString()).toBe('4166.666667');
    expect(vr(2026, 'employeur').valeurDuRisque!.total.toDecimalPlaces(6).toString()).toBe('8833.333333');
    const interim = eu.explication.find((e) => e.id === 'interim')!;
    expect(interim.reference).toMatch(/décret 2024-723/);
    // counted by share in the inputs (the letter prints them), one line per charge in the detail
    expect(interim.entrees).toEqual({ 'part 0': '1 catégorie de sinistre', 'part 0.3333': '1 catégorie de sinistre', 'part 0.5': '1 catégorie de sinistre' });
    expect((interim.detail as unknown[]).length).toBe(3);
    expect(eu.valeurDuRisque!.ecartes.map((e) => [e.id, e.motif])).toEqual([
      ['T1', 'part imputée nulle (IT2)'], ['T3', 'accident de trajet'], ['T4', "sinistre déclaré inopposable à l'employeur"],
    ]);
  });
  it('2027 rates: the claim classified in 2023 keeps the former rule, the 2025 one is shared ½ / ½', () => {
    expect(vr(2027, 'utilisateur').valeurDuRisque!.total.toDecimalPlaces(6).toString()).toBe('4166.666667');
    expect(vr(2027, 'employeur').valeurDuRisque!.total.toDecimalPlaces(6).toString()).toBe('8833.333333');
  });
});

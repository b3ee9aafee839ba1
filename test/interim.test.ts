/** Intérim shares, CSS R242-6-1 and décret 2024-723 (rules/interim.ts): table of the text, then the property. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { D } from '../rules/decimal.ts';
import { CATEGORIES_IP, CATEGORIES_IT } from '../rules/bareme.ts';
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

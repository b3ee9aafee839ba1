/** French formatting of the notification (templates/format.ts): deterministic, from decimal strings. */
import { describe, expect, it } from 'vitest';
import { dateLongue, effectif, euros, nombre, pourcent, siret, texteFrancais, variation } from '../templates/format.ts';

const s = (t: string) => t.replace(/\u00a0/g, '~');

describe('French formatting', () => {
  it('amounts: thousands and euro sign separated by no-break spaces', () => {
    expect(s(euros('1234.56'))).toBe('1~234,56~€');
    expect(s(euros('1234567'))).toBe('1~234~567~€');
    expect(s(euros('0.5'))).toBe('0,50~€');
    expect(s(euros('43262.00', true))).toBe('43~262~€');
    expect(s(euros('999'))).toBe('999~€');
  });

  it('rates keep the stored digits or the published 2 decimals', () => {
    expect(s(pourcent('2.09'))).toBe('2,09~%');
    expect(s(pourcent('3.6'))).toBe('3,60~%');
    expect(s(nombre('3.60'))).toBe('3,60');
    expect(s(nombre('1.030047619047619047619', 4))).toBe('1,0300');
    expect(s(nombre('2.08605', 4))).toBe('2,0861');
    expect(s(nombre('-1234.5'))).toBe('−1~234,5');
  });

  it('variations in points with their sign', () => {
    expect(s(variation('4.80', '6.00'))).toBe('−1,20~pt');
    expect(s(variation('2.45', '2.10'))).toBe('+0,35~pt');
    expect(s(variation('2.40', '2.40'))).toBe('0,00~pt');
    expect(variation('2.40', null)).toBe('—');
  });

  it('dates in words, with "1er"', () => {
    expect(dateLongue('2026-11-24')).toBe('24 novembre 2026');
    expect(dateLongue('2027-03-01')).toBe('1er mars 2027');
    expect(dateLongue(new Date('2026-08-05T10:00:00Z'))).toBe('5 août 2026');
  });

  it('never uses U+202F (no glyph in the embedded Roboto), whatever the ICU version', () => {
    for (const t of [euros('1234567.89'), pourcent('12.5'), nombre('123456789')]) expect(t).not.toMatch(/\u202f/);
  });

  it('headcounts, SIRET, decimal points inside rule texts (codes risque untouched)', () => {
    expect(effectif('200.00')).toBe('200');
    expect(effectif('57.25')).toBe('57,25');
    expect(siret('20000000800017')).toBe('200 000 008 00017');
    expect(texteFrancais('[3.60 ; 5.62] → 3.60 pour 27.1ZF et 00.00B')).toBe('[3,60 ; 5,62] → 3,60 pour 27.1ZF et 00.00B');
  });
});

/**
 * The PDF font: Helvetica (standard, not embedded, WinAnsi) by default, Roboto embedded on demand. Characters
 * WinAnsi lacks are folded before rendering, so no glyph is replaced by another one in the letter.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/cli.ts';
import { estWinAnsi, versWinAnsi, definitionWinAnsi } from '../pipelines/notifications/winansi.ts';
import { policePdf } from '../pipelines/notifications/rendu.ts';

const POPPLER = !spawnSync('pdftotext', ['-v']).error;

describe('WinAnsi folding', () => {
  it('keeps every French letter and the WinAnsi punctuation, folds the rest', () => {
    const francais = 'àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆ € « » ’ … – — °';
    expect(versWinAnsi(francais)).toBe(francais);
    expect(versWinAnsi('−0,23\u202Fpt ≤ ⅓ ≥ ⅔ → ✓')).toBe('-0,23\u00A0pt <= 1/3 >= 2/3 -> x');
    expect(versWinAnsi('Łódź 東')).toBe('Lódz ?');
    for (const c of versWinAnsi('x − y ≤ z ≠ ⅓ \u2009 ș ő ā 東')) expect(estWinAnsi(c)).toBe(true);
  });

  it('folds every string of a definition, callbacks included', () => {
    const d = definitionWinAnsi({ content: [{ text: '−1,20 pt' }, { table: { body: [['≤ 10 %']] } }], footer: (p: number) => ({ text: `page ${p} − fin` }) });
    expect(d.content[0]).toEqual({ text: '-1,20 pt' });
    expect(d.content[1]).toEqual({ table: { body: [['<= 10 %']] } });
    expect(d.footer(2)).toEqual({ text: 'page 2 - fin' });
  });
});

describe('font of the PDFs (ATMP_PDF_POLICE)', () => {
  it('is standard unless roboto is asked; anything else is a configuration error (exit 78)', () => {
    expect(policePdf({})).toBe('standard');
    expect(policePdf({ ATMP_PDF_POLICE: 'Roboto' })).toBe('roboto');
    expect(() => policePdf({ ATMP_PDF_POLICE: 'arial' })).toThrow(/ATMP_PDF_POLICE/);
    expect(() => policePdf({ ATMP_PDF_POLICE: "arial" })).toThrow(expect.objectContaining({ exitCode: 78 }));
  });

  it.skipIf(!POPPLER)('standard: Helvetica, not embedded, the letter text intact (minus and ≤ folded, accents kept)', async () => {
    const { rendreDefinition } = await import('../pipelines/notifications/rendu.ts');
    const pdf = await rendreDefinition({ content: [{ text: 'Taux notifié : 1,72 % (−0,23 pt) ; fraction ≤ 1 ; écrêtement à 25 % ; Œuvre, « 1 000 € »' }] });
    expect(pdf.toString('latin1')).toContain('/BaseFont /Helvetica');
    expect(pdf.toString('latin1')).not.toContain('/FontFile2');
    const dir = tempDir('police-');
    writeFileSync(join(dir, 'a.pdf'), pdf);
    const t = spawnSync('pdftotext', [join(dir, 'a.pdf'), '-'], { encoding: 'utf8' }).stdout;
    expect(t).toContain('Taux notifié : 1,72 % (-0,23 pt) ; fraction <= 1 ; écrêtement à 25 % ; Œuvre, « 1 000 € »');
  });
});

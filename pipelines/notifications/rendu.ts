/**
 * Renders a PDF (notification, decision letter, campaign report) with pdfmake as shipped. Synchronous CPU work:
 * the send pipeline runs it in a piscina worker pool (rendu-worker.mjs); this module is also usable directly
 * (tests, the campaign report, the bench).
 *
 * The font (ATMP_PDF_POLICE):
 * - `standard` (default): Helvetica, one of the PDF standard fonts every reader has: nothing to parse or embed, so
 *   a notification costs about half the CPU of an embedded font (pdfmake re-parses a TrueType file for every
 *   document). Its encoding, WinAnsi, holds every French letter, € « » ’; the few characters it lacks (−, ≤, ≥, ⅓, the
 *   narrow no-break space) are folded to equivalents first (winansi.ts).
 * - `roboto`: the Roboto font pdfmake ships, embedded and subset (for an archive that wants its fonts embedded).
 *   Its TTF files are written once per thread into pdfmake's virtual file system and declared once with `addFonts`.
 * The templates name no font: the family chosen here is the document's default style.
 *
 * Same data, same PDF: the document's info (templates/notification.ts) fixes the creation date (the campaign's
 * validation timestamp), and pdfmake writes no modification date; pdfkit derives the file /ID from that info
 * and the font subset tags from the fonts' order in the document, so nothing in the bytes depends on the clock
 * or on chance. Tested (test/notifications-rendu.test.ts): two renderings, in a worker or in this thread, give
 * the same bytes.
 */
import { createRequire } from 'node:module';
import { definitionNotification, type DonneesNotification, type TDocumentDefinitions } from '../../templates/notification.ts';

import { ConfigError } from '../../lib/config.ts';
import { definitionWinAnsi } from './winansi.ts';

const require = createRequire(import.meta.url);

interface PdfMake {
  virtualfs: { writeFileSync(name: string, content: Buffer): void };
  addFonts(f: Record<string, Record<string, string>>): void;
  setUrlAccessPolicy(cb: (url: string) => boolean): void;
  setLocalAccessPolicy(cb: (path: string) => boolean): void;
  createPdf(doc: TDocumentDefinitions, options?: Record<string, unknown>): { getBuffer(): Promise<Buffer> };
}

const FICHIERS = {
  normal: 'Roboto-Regular.ttf',
  bold: 'Roboto-Medium.ttf',
  italics: 'Roboto-Italic.ttf',
  bolditalics: 'Roboto-MediumItalic.ttf',
} as const;

const HELVETICA = {
  normal: 'Helvetica',
  bold: 'Helvetica-Bold',
  italics: 'Helvetica-Oblique',
  bolditalics: 'Helvetica-BoldOblique',
} as const;

export type PolicePdf = 'standard' | 'roboto';

/** ATMP_PDF_POLICE, checked: `standard` (default) or `roboto`; anything else is a configuration error. */
export function policePdf(env: NodeJS.ProcessEnv = process.env): PolicePdf {
  const v = (env.ATMP_PDF_POLICE ?? '').trim().toLowerCase();
  if (v === '' || v === 'standard') return 'standard';
  if (v === 'roboto') return 'roboto';
  throw new ConfigError(`ATMP_PDF_POLICE : « ${env.ATMP_PDF_POLICE} » n’est pas une police connue (standard ou roboto)`);
}

let pdfmake: PdfMake | undefined;
let police: PolicePdf | undefined;

/** pdfmake with the chosen font declared (once per thread). */
function initialiser(): PdfMake {
  if (pdfmake) return pdfmake;
  const pm = require('pdfmake') as PdfMake;
  police = policePdf();
  if (police === 'roboto') {
    const vfs = (require('pdfmake/build/fonts/Roboto.js') as { vfs: Record<string, { data: string; encoding: string }> }).vfs;
    for (const f of Object.values(FICHIERS)) pm.virtualfs.writeFileSync(f, Buffer.from(vfs[f].data, 'base64'));
    pm.addFonts({ Lettre: { ...FICHIERS } });
  } else {
    pm.addFonts({ Lettre: { ...HELVETICA } });
  }
  // no network, no local file: everything comes from the virtual file system or is a standard font (a document
  // definition naming a URL or a path is refused rather than fetched)
  const standards = new Set<string>(Object.values(HELVETICA));
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy((chemin) => standards.has(chemin));
  pdfmake = pm;
  return pm;
}

/** Any pdfmake document definition (the notification, a decision letter, the campaign report) as PDF bytes. */
export async function rendreDefinition(doc: TDocumentDefinitions): Promise<Buffer> {
  const pm = initialiser();
  const avecPolice = { ...doc, defaultStyle: { ...doc.defaultStyle, font: 'Lettre' } } as TDocumentDefinitions;
  return pm.createPdf(police === 'standard' ? definitionWinAnsi(avecPolice) : avecPolice).getBuffer();
}

/** The notification's PDF bytes. */
export async function rendreNotification(d: DonneesNotification): Promise<Buffer> {
  return rendreDefinition(definitionNotification(d));
}

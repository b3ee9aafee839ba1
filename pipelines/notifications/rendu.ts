/**
 * Renders a notification PDF with pdfmake as shipped and the Roboto font it ships (embedded, subset: every French
 * glyph é è à ç œ € « » is in it). Synchronous CPU work: the send pipeline runs it in a piscina worker pool
 * (rendu-worker.mjs); this module is also usable directly (tests, the campaign report, the bench).
 *
 * Fonts are loaded once per thread, through pdfmake's public API: the TTF files are written once into pdfmake's
 * virtual file system and declared once with `addFonts`; each document then reads them from there.
 *
 * Same data, same PDF: the document's info (templates/notification.ts) fixes the creation date (the campaign's
 * validation timestamp), and pdfmake writes no modification date; pdfkit derives the file /ID from that info
 * and the font subset tags from the fonts' order in the document, so nothing in the bytes depends on the clock
 * or on chance. Tested (test/notifications-rendu.test.ts): two renderings, in a worker or in this thread, give
 * the same bytes.
 */
import { createRequire } from 'node:module';
import { definitionNotification, type DonneesNotification, type TDocumentDefinitions } from '../../templates/notification.ts';

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

let pdfmake: PdfMake | undefined;

/** pdfmake with the Roboto files in its virtual file system (once per thread). */
function initialiser(): PdfMake {
  if (pdfmake) return pdfmake;
  const pm = require('pdfmake') as PdfMake;
  const vfs = (require('pdfmake/build/fonts/Roboto.js') as { vfs: Record<string, { data: string; encoding: string }> }).vfs;
  for (const f of Object.values(FICHIERS)) pm.virtualfs.writeFileSync(f, Buffer.from(vfs[f].data, 'base64'));
  pm.addFonts({ Roboto: { ...FICHIERS } });
  // no network, no local file: everything comes from the virtual file system (a document definition naming a URL
  // or a path is refused rather than fetched)
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy(() => false);
  pdfmake = pm;
  return pm;
}

/** Any pdfmake document definition (the notification, the campaign report) as PDF bytes. */
export async function rendreDefinition(doc: TDocumentDefinitions): Promise<Buffer> {
  return initialiser().createPdf(doc).getBuffer();
}

/** The notification's PDF bytes. */
export async function rendreNotification(d: DonneesNotification): Promise<Buffer> {
  return rendreDefinition(definitionNotification(d));
}

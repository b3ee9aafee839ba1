/**
 * Renders a notification PDF with pdfmake 0.3 and the Roboto font it ships (embedded, subset: every French glyph
 * é è à ç œ € « » is in it). Synchronous CPU work: the send pipeline runs it in a piscina worker pool
 * (rendu-worker.mjs); this module is also usable directly (tests, single-thread baseline of the bench).
 *
 * Deterministic bytes: pdfkit's /ID is an MD5 of the info dictionary including CreationDate (pdfkit
 * PDFSecurity.generateFileID), so fixing CreationDate (the campaign's validation date) fixes the ID; the font
 * subset tag derives from the font's id in the document (EmbeddedFont: "tag + '+' + postscriptName"), not from
 * a random source. No ModDate is written. Hence the same data renders the same bytes.
 *
 * Speed: pdfkit parses the TTF again for every document (PDFFontFactory.open → fontkit.create). The parsed fontkit
 * font is immutable in use (each document makes its own subset with font.createSubset()), so it is parsed once
 * per thread here: pdfmake's virtual file system is given small sentinel buffers, and a fontkit format registered
 * for them returns the font parsed once (fontkit.create loops over registered formats and returns `new format()`,
 * whose constructor may return another object). The rest of the speed comes from pdfmake-rapide.ts. The bytes are
 * identical with or without the caches (tested; `modeRendu`).
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { accelerer, repertoireFixe } from './pdfmake-rapide.ts';
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

/**
 * The characters every embedded subset holds (pdfmake-rapide.ts, repertoireFixe): printable ASCII, the French
 * letters and the typography of the notifications and of the rules' explanations (« » ’ – — … € − ° ≤ ≥ Σ §,
 * no-break space). A document using only these (nearly all) embeds the same subset as every other, built once per
 * thread.
 */
const REPERTOIRE = [
  Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''),
  'àâäçéèêëîïôöùûüÿæœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ',
  '«»‘’“”–—…€−°·×²§≤≥Σ→',
].join('');

/**
 * - `rapide` (default): each font parsed once per thread, the caches and the line writer of pdfmake-rapide.ts;
 * - `sans-cache`: the same rendering with every cache off (fonts parsed for each document, as pdfkit does): the
 *   bytes must equal `rapide`'s (tested);
 * - `pdfmake`: pdfmake and pdfkit as shipped (the bench's baseline; the tests compare the pages' look with it).
 */
export type ModeRendu = 'rapide' | 'sans-cache' | 'pdfmake';
let mode: ModeRendu = 'rapide';

let pdfmake: PdfMake | undefined;

function initialiser(): PdfMake {
  if (pdfmake) return pdfmake;
  const pm = require('pdfmake') as PdfMake;
  const vfs = (require('pdfmake/build/fonts/Roboto.js') as { vfs: Record<string, { data: string; encoding: string }> }).vfs;
  // fontkit as pdfkit resolves it: the very module instance whose formats pdfkit's PDFFontFactory walks
  const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(b: Uint8Array): unknown; registerFormat(f: unknown): void };
  const polices = new Map<string, object>();
  const ttfs = new Map<string, Buffer>();
  const MAGIC = 'ATMP-FONT:';
  // fontkit format for the sentinel buffers: its constructor returns the font parsed once (or, without caches, a
  // font parsed again from the TTF, with the same fixed repertoire)
  class PoliceEnCache {
    static probe(buffer: Uint8Array) {
      return buffer.length < 64 && Buffer.from(buffer.subarray(0, MAGIC.length)).toString('latin1') === MAGIC;
    }
    constructor(stream: { buffer: Uint8Array }) {
      const nom = Buffer.from(stream.buffer).toString('latin1').slice(MAGIC.length);
      const ttf = ttfs.get(nom);
      if (!ttf) throw new Error(`police ${nom} non chargée`);
      if (mode === 'rapide') return polices.get(nom) as PoliceEnCache;
      const police = fontkit.create(ttf) as object;
      repertoireFixe(police, REPERTOIRE);
      return police as PoliceEnCache;
    }
  }
  fontkit.registerFormat(PoliceEnCache);
  for (const f of Object.values(FICHIERS)) {
    const ttf = Buffer.from(vfs[f].data, 'base64');
    const police = fontkit.create(ttf) as object;
    repertoireFixe(police, REPERTOIRE);
    polices.set(f, police);
    ttfs.set(f, ttf);
    pm.virtualfs.writeFileSync(`cache/${f}`, Buffer.from(MAGIC + f, 'latin1'));
    pm.virtualfs.writeFileSync(f, ttf);
  }
  pm.addFonts({
    Roboto: Object.fromEntries(Object.entries(FICHIERS).map(([k, f]) => [k, `cache/${f}`])),
    RobotoPdfmake: { ...FICHIERS },
  });
  // no network, no local file: everything comes from the virtual file system (CVE-2026-26801, SSRF through URLs
  // in document definitions; docs/ecosystem.md §4)
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy(() => false);
  pdfmake = pm;
  return pm;
}

/**
 * V8 setting for a process that renders notifications: no allocation-site pretenuring. A notification's objects
 * live until its PDF is written, so a scavenge in the middle of a document sees most of them survive, and V8 then
 * allocates them straight in the old generation, where they die: measured on 2 300 notifications, scavenges of
 * 8–13 ms instead of ~2 ms and ~15 % more CPU per document. V8 flags are process-wide: set before the rendering
 * threads start (pipeline.ts); the flag is read by V8 at each collection, not only at start-up.
 */
export function sansPretenuring() {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** Chooses how the next documents are rendered (tests and the bench's baseline; the default is `rapide`). */
export function modeRendu(m: ModeRendu) {
  mode = m;
  accelerer({ caches: mode === 'rapide', lignes: mode !== 'pdfmake' });
}

export async function rendreDefinition(doc: TDocumentDefinitions): Promise<Buffer> {
  const pm = initialiser();
  if (mode === 'pdfmake') doc = { ...doc, defaultStyle: { ...(doc.defaultStyle ?? {}), font: 'RobotoPdfmake' } };
  return pm.createPdf(doc).getBuffer();
}

/** The notification's PDF bytes. */
export async function rendreNotification(d: DonneesNotification): Promise<Buffer> {
  return rendreDefinition(definitionNotification(d));
}

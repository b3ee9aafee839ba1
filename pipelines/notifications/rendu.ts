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
 * whose constructor may return another object). The bytes are identical with or without the cache (tested).
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

interface Run { glyphs: unknown[]; positions: Record<string, number>[] }
interface PoliceFontkit { layout(text: string, features?: unknown): Run }

/**
 * Shaping (fontkit layout: cmap, GSUB ligatures, GPOS kerning) is most of a notification's rendering time, and the
 * same words come back in every notification; pdfkit caches it per document only (EmbeddedFont.layoutCache). The
 * parsed font's layout() is memoised across documents: the run's glyphs are shared (pdfkit only reads them), its
 * positions are copied at each call because pdfkit scales them in place (EmbeddedFont.layoutRun). Same result as
 * shaping again: fontkit's layout is a pure function of (text, features) for a given font.
 */
function memoriserMiseEnForme(font: PoliceFontkit): PoliceFontkit {
  const origine = font.layout.bind(font);
  let cache = new Map<string, Run>();
  font.layout = (text: string, features?: unknown) => {
    const cle = features ? `${text}\u0000${JSON.stringify(features)}` : text;
    let run = cache.get(cle);
    if (!run) {
      if (cache.size >= 200_000) cache = new Map();
      run = origine(text, features);
      // a pristine copy of the positions, before pdfkit scales them
      run = Object.assign(Object.create(Object.getPrototypeOf(run)), run, { positions: run.positions.map((p) => ({ ...p })) }) as Run;
      cache.set(cle, run);
    }
    return Object.assign(Object.create(Object.getPrototypeOf(run)), run, { positions: run.positions.map((p) => ({ ...p })) }) as Run;
  };
  return font;
}

let pdfmake: PdfMake | undefined;
let cacheActif = true;

function initialiser(): PdfMake {
  if (pdfmake) return pdfmake;
  const pm = require('pdfmake') as PdfMake;
  const vfs = (require('pdfmake/build/fonts/Roboto.js') as { vfs: Record<string, { data: string; encoding: string }> }).vfs;
  // fontkit as pdfkit resolves it: the very module instance whose formats pdfkit's PDFFontFactory walks
  const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(b: Uint8Array): unknown; registerFormat(f: unknown): void };
  const polices = new Map<string, unknown>();
  const MAGIC = 'ATMP-FONT:';
  // fontkit format for the sentinel buffers: its constructor returns the font parsed once
  class PoliceEnCache {
    static probe(buffer: Uint8Array) {
      return buffer.length < 64 && Buffer.from(buffer.subarray(0, MAGIC.length)).toString('latin1') === MAGIC;
    }
    constructor(stream: { buffer: Uint8Array }) {
      const nom = Buffer.from(stream.buffer).toString('latin1').slice(MAGIC.length);
      const f = polices.get(nom);
      if (!f) throw new Error(`police ${nom} non chargée`);
      return f as PoliceEnCache;
    }
  }
  fontkit.registerFormat(PoliceEnCache);
  for (const f of Object.values(FICHIERS)) {
    const ttf = Buffer.from(vfs[f].data, 'base64');
    polices.set(f, memoriserMiseEnForme(fontkit.create(ttf) as PoliceFontkit));
    pm.virtualfs.writeFileSync(`cache/${f}`, Buffer.from(MAGIC + f, 'latin1'));
    pm.virtualfs.writeFileSync(f, ttf);
  }
  pm.addFonts({
    Roboto: Object.fromEntries(Object.entries(FICHIERS).map(([k, f]) => [k, `cache/${f}`])),
    RobotoSansCache: { ...FICHIERS },
  });
  // no network, no local file: everything comes from the virtual file system (CVE-2026-26801, SSRF through URLs
  // in document definitions; docs/ecosystem.md §4)
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy(() => false);
  pdfmake = pm;
  return pm;
}

/** Disables the parsed-font cache (tests: the bytes must not depend on it). */
export function desactiverCachePolice(desactive = true) {
  cacheActif = !desactive;
}

export async function rendreDefinition(doc: TDocumentDefinitions): Promise<Buffer> {
  const pm = initialiser();
  if (!cacheActif) doc = { ...doc, defaultStyle: { ...(doc.defaultStyle ?? {}), font: 'RobotoSansCache' } };
  return pm.createPdf(doc).getBuffer();
}

/** The notification's PDF bytes. */
export async function rendreNotification(d: DonneesNotification): Promise<Buffer> {
  return rendreDefinition(definitionNotification(d));
}

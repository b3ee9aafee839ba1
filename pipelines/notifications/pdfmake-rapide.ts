/**
 * Fast paths for pdfmake 0.3.11 / pdfkit 0.19.1, the exact versions the lockfile pins (checked at installation: any
 * other version leaves pdfmake as shipped). A notification is ~180 lines of ~900 word-inlines; pdfmake spends most
 * of its time per word, in places that these replace by equivalent, cheaper code:
 *
 * 1. Style lookups (StyleContextStack.getStyleProperty, TextInlines.measure): pdfmake resolves ~20 style properties
 *    for every word, each time pushing the word on the style stack and walking it with a fresh closure and Set.
 *    Here the same entries are walked in the same order (the item's own value, its named styles, the stack, the
 *    default style) without pushing or allocating, and, in measure, once per text node rather than per word (the
 *    words of a node carry the same style against the same stack) and for all ~20 properties in one walk
 *    (resoudreStyle), each word built in one allocation. Same values, so the same bytes (a property test compares
 *    resoudreStyle with pdfmake's getStyleProperty on random styles and stacks).
 * 2. Word shaping (pdfkit EmbeddedFont.layoutCached): pdfkit caches a word's glyph run per document only; the
 *    cache here is shared by every document using the same parsed font (rendu.ts parses each font once per
 *    thread). A cached run is never modified by pdfkit (layout() concatenates into new arrays; _fragment copies a
 *    position before changing it), and its positions are scaled by 1000/unitsPerEm, a property of the font. Same
 *    runs, so the same bytes.
 * 3. Text drawing (pdfmake Renderer.renderLine): pdfmake calls pdfkit's text() once per word, which wraps each word
 *    in its own save / transform / BT … ET / restore with a colour, an opacity and a font switch. The replacement
 *    writes one text object per line and one TJ per run of words sharing font, size and colour: each run starts
 *    at the position pdfmake computed for its first word (Tm), each word is encoded and kerned exactly as pdfkit's
 *    _fragment does (same glyph ids, same kerning adjustments; a word's TJ elements are reused across documents when
 *    all its glyphs are in the fixed repertoire of 4), and a word starting elsewhere than where the previous one
 *    ended (justified text) is moved there by a TJ displacement. Only plain lines take it: a line with a link, a
 *    destination, an outline entry, a page reference, sup/sub, font features, character spacing, opacity,
 *    background or decoration goes through pdfmake's own renderLine. The page looks the same (checked by the
 *    tests: same words at the same positions within 1e-4 pt by pdftotext -bbox, same pixels by pdftoppm); the
 *    bytes differ from pdfmake as shipped, and are as deterministic.
 * 4. Font subsets (pdfkit EmbeddedFont.embed): pdfkit builds and deflates a new TrueType subset of each font for
 *    each document. `repertoireFixe` makes every subset of a font start with the same glyphs, in the same order
 *    (the French repertoire of rendu.ts), so that a document using no other glyph has the same subset as any
 *    other: its encoded and deflated bytes are computed once per thread and reused, exactly as pdfkit would have
 *    written them. A document with another glyph (a name with ñ, say) gets it appended and its own subset built
 *    by pdfkit as usual.
 * 5. Content streams (pdfkit PDFReference): text chunks joined once instead of a Buffer per operator, and streams
 *    of text deflated at level 3 instead of 6 (installerFlux).
 * 6. Per-string work that recurs across documents: a string's width (EmbeddedFont.widthOfString), its line-break
 *    opportunities (linebreak's nextBreak) and a colour's operator (pdfkit _setColorCore) are computed once per
 *    thread.
 *
 * `accelerer({ caches: false })` turns 1, 2, 4, 6 and the word cache of 3 off (the bytes must not change: tested),
 * `accelerer({ lignes: false })` turns 3 and 5 off (the page must not change: tested). The fixed repertoire of a
 * subset is a rendering choice, not a cache: it stays either way.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const VERSIONS = { pdfmake: '0.3.11', pdfkit: '0.19.1' } as const;

/* Minimal shapes of the pdfmake / pdfkit internals used here. */
interface PoliceEmbarquee {
  id: string;
  font: object;
  ascender: number;
  layoutRun(text: string): unknown;
  layout(text: string, features?: unknown, onlyWidth?: boolean): unknown;
  widthOfString(text: string, size: number, features?: unknown): number;
  encode(text: string): [string[], Position[]];
  ref(): unknown;
}
interface Position { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number; advanceWidth: number }
interface Inline {
  text: string;
  x: number;
  font: PoliceEmbarquee;
  fontSize: number;
  color?: unknown;
  [k: string]: unknown;
}
interface Ligne {
  inlines: Inline[];
  getHeight(): number;
  getAscenderHeight(): number;
  [k: string]: unknown;
}
interface DocumentPdf {
  page: { height: number; fonts: Record<string, unknown> };
  _font: unknown;
  _fontSize: number;
  opacity(o: number): unknown;
  addContent(s: string): unknown;
  resolveColor(c: unknown, d: string): unknown;
  _normalizeColor(c: unknown): number[] | null;
}
interface Pile { styleDictionary: Record<string, Record<string, unknown> | undefined>; styleOverrides?: unknown[]; defaultStyle?: Record<string, unknown> }

let caches = true;
let lignes = true;
let installe = false;

/** Turns the fast paths on (default) or off; returns whether they are installed (the pinned versions are there). */
export function accelerer(options: { caches?: boolean; lignes?: boolean } = {}): boolean {
  caches = options.caches ?? true;
  lignes = options.lignes ?? true;
  return installer();
}

const valeur = (v: unknown) => v !== undefined && v !== null;
const chaine = (v: unknown): v is string => typeof v === 'string' || v instanceof String;

/** A named style's property, following `extends` like StyleContextStack.getProperty's inner function. */
const depuisStyle = (dict: Pile['styleDictionary'], nom: string, prop: string): unknown => aplati(dict, nom)[prop];

function proprieteDeLaPile(pile: Pile, prop: string): unknown {
  const o = pile?.styleOverrides;
  if (pile && o) {
    for (let i = o.length - 1; i >= 0; i--) {
      const e = o[i];
      if (chaine(e)) {
        const v = depuisStyle(pile.styleDictionary, String(e), prop);
        if (valeur(v)) return v;
      } else if (valeur((e as Record<string, unknown>)[prop])) {
        return (e as Record<string, unknown>)[prop];
      }
    }
  }
  return pile.defaultStyle && pile.defaultStyle[prop];
}

function installerStyles() {
  const SCS = require('pdfmake/js/StyleContextStack').default as {
    prototype: { getProperty(p: string): unknown };
    getStyleProperty(item: unknown, pile: Pile | undefined, prop: string, defaut: unknown): unknown;
  };
  const getProperty = SCS.prototype.getProperty;
  SCS.prototype.getProperty = function (this: Pile, prop: string) {
    return caches ? proprieteDeLaPile(this, prop) : getProperty.call(this, prop);
  };
  const getStyleProperty = SCS.getStyleProperty;
  SCS.getStyleProperty = function (item: unknown, pile: Pile | undefined, prop: string, defaut: unknown) {
    if (!caches) return getStyleProperty.call(this, item, pile, prop, defaut);
    const it = item as Record<string, unknown>;
    const propre = it[prop];
    if (valeur(propre)) return propre;
    if (!pile) return defaut;
    // pdfmake pushes the item's named styles, then the item itself (whose own value is absent), then walks down
    if (!chaine(item) && typeof it.section === 'undefined' && it.style) {
      const noms = (Array.isArray(it.style) ? it.style : [it.style]) as unknown[];
      for (let i = noms.length - 1; i >= 0; i--) {
        const n = noms[i];
        const v = chaine(n) ? depuisStyle(pile.styleDictionary, String(n), prop) : (n as Record<string, unknown>)[prop];
        if (valeur(v)) return v;
      }
    }
    const v = proprieteDeLaPile(pile, prop);
    return valeur(v) ? v : defaut;
  };
}

/** pdfkit's PDFDocument class: the very module pdfmake loads. */
const pdfkit = (): unknown => require(require.resolve('pdfkit', { paths: [require.resolve('pdfmake')] }));

/** The EmbeddedFont prototype (not exported by pdfkit), from a font instance of the very pdfkit module pdfmake loads. */
function prototypePolice(): PrototypePolice {
  const PDFDocument = pdfkit() as new () => { font(b: Buffer): unknown; _font: object };
  const ttf = Buffer.from((require('pdfmake/build/fonts/Roboto.js') as { vfs: Record<string, { data: string }> }).vfs['Roboto-Regular.ttf'].data, 'base64');
  const doc = new PDFDocument();
  doc.font(ttf);
  return Object.getPrototypeOf(doc._font) as PrototypePolice;
}

interface Run { glyphs: unknown[]; positions: Position[]; advanceWidth: number }
interface PolicePdfkit extends PoliceEmbarquee {
  layoutCache?: Record<string, unknown>;
  subset: SousEnsemble;
  widths: (number | undefined)[];
  unicode: (number[] | undefined)[];
  scale: number;
  document: { compress: boolean; _security?: unknown; ref(data?: object): ReferencePdf };
}
interface PrototypePolice {
  layoutCached(this: PolicePdfkit, t: string): Run;
  widthOfString(this: PolicePdfkit, t: string, size: number, features?: unknown): number;
  embed(this: PolicePdfkit): unknown;
}
interface ReferencePdf { compress: boolean; data: Record<string, unknown>; write(chunk: unknown): void }
interface SousEnsemble { glyphs: number[]; encode(): Uint8Array; includeGlyph(id: number): number; prefixe?: number[] }
interface GlyphePolice { id: number; advanceWidth: number; codePoints: number[] }
interface PoliceFontkit { createSubset(): SousEnsemble; getGlyph(id: number): GlyphePolice; glyphForCodePoint(cp: number): GlyphePolice; layout(t: string): { glyphs: GlyphePolice[] } }

/**
 * TextInlines.measure resolves ~20 style properties for every word. The words of one text node carry the same style
 * (TextBreaker copies the node's style object into each word with StyleContextStack.copyStyle) and are measured
 * against the same stack, so their properties are resolved once per node here, then copied to each word: the
 * same values pdfmake would find, in the same order, the same widths. Each measured word is a new object with all
 * those properties in place (motVide) holding the word's own ones: pdfmake's adding ~20 properties one by one grew
 * each word's property store about eight times (a quarter of a document's allocations).
 */
function installerMesure() {
  const SCS = require('pdfmake/js/StyleContextStack').default as {
    copyStyle(source?: object | null, destination?: object): object;
    getStyleProperty(item: unknown, pile: unknown, prop: string, defaut: unknown): unknown;
  };
  const TextInlines = require('pdfmake/js/TextInlines').default as { prototype: { measure(a: Mot[], pile: unknown): Mot[]; widthOfText(t: string, i: Mot): number; pdfDocument: { provideFont(f: unknown, b: unknown, i: unknown): Mot['font'] } } };
  // the style object a word was copied from, under a symbol: for…in (pdfmake's copies, ours) never sees it
  const ORIGINE = Symbol('origine du style');
  const SANS_STYLE = {};
  const copyStyle = SCS.copyStyle;
  SCS.copyStyle = function (source?: object | null, destination?: object) {
    const r = copyStyle.call(this, source, destination);
    if (caches && destination) (destination as Record<symbol, object>)[ORIGINE] = source ?? SANS_STYLE;
    return r;
  };
  const measure = TextInlines.prototype.measure;
  const get = (item: Mot, pile: unknown, prop: string, defaut: unknown) => SCS.getStyleProperty(item, pile, prop, defaut);
  TextInlines.prototype.measure = function (array: Mot[], pile: unknown) {
    if (!caches) return measure.call(this, array, pile);
    if (array.length) {
      const leadingIndent = get(array[0], pile, 'leadingIndent', 0) as number;
      if (leadingIndent) {
        array[0].leadingCut = -leadingIndent;
        array[0].leadingIndent = leadingIndent;
      }
    }
    let source: object | undefined;
    let r: Resolu | undefined;
    for (let i = 0; i < array.length; i++) {
      const mot = array[i];
      const s = (mot as unknown as Record<symbol, object | undefined>)[ORIGINE];
      if (!r || s === undefined || s !== source) {
        const v = resoudreStyle(mot, pile as Pile | undefined);
        r = {
          font: this.pdfDocument.provideFont(v[P.font], v[P.bold], v[P.italics]),
          alignment: v[P.alignment],
          fontSize: v[P.fontSize] as number,
          fontFeatures: v[P.fontFeatures],
          characterSpacing: v[P.characterSpacing],
          color: v[P.color],
          decoration: v[P.decoration],
          decorationColor: v[P.decorationColor],
          decorationStyle: v[P.decorationStyle],
          decorationThickness: v[P.decorationThickness],
          background: v[P.background],
          link: v[P.link],
          linkToPage: v[P.linkToPage],
          linkToDestination: v[P.linkToDestination],
          noWrap: v[P.noWrap],
          opacity: v[P.opacity],
          sup: v[P.sup],
          sub: v[P.sub],
          lineHeight: v[P.lineHeight] as number,
          preserveLeadingSpaces: v[P.preserveLeadingSpaces],
          preserveTrailingSpaces: v[P.preserveTrailingSpaces],
        };
        source = s;
      }
      // the word as an object with every property measure sets already in place (one allocation, instead of a
      // property store grown ~8 times as pdfmake adds them one by one): same own values as pdfmake's word
      const item = motVide() as Mot;
      for (const k in mot) if (Object.hasOwn(mot, k)) item[k] = mot[k];
      array[i] = item;
      item.font = r.font;
      item.alignment = r.alignment;
      item.fontSize = r.fontSize;
      item.fontFeatures = r.fontFeatures;
      item.characterSpacing = r.characterSpacing;
      item.color = r.color;
      item.decoration = r.decoration;
      item.decorationColor = r.decorationColor;
      item.decorationStyle = r.decorationStyle;
      item.decorationThickness = r.decorationThickness;
      item.background = r.background;
      item.link = r.link;
      item.linkToPage = r.linkToPage;
      item.linkToDestination = r.linkToDestination;
      item.noWrap = r.noWrap;
      item.opacity = r.opacity;
      item.sup = r.sup;
      item.sub = r.sub;
      // font size reduction for sup/sub, as pdfmake
      if (item.sup || item.sub) item.fontSize *= 0.58;
      item.width = this.widthOfText(item.text, item);
      item.height = item.font.lineHeight(item.fontSize) * r.lineHeight;
      if (!item.leadingCut) item.leadingCut = 0;
      if (!r.preserveLeadingSpaces) {
        const n = espacesEnTete(item.text);
        if (n) item.leadingCut += this.widthOfText(item.text.slice(0, n), item);
      }
      item.trailingCut = 0;
      if (!r.preserveTrailingSpaces) {
        const n = espacesEnQueue(item.text);
        if (n) item.trailingCut = this.widthOfText(item.text.slice(item.text.length - n), item);
      }
    }
    return array;
  };
}

/**
 * The properties TextInlines.measure resolves for a word, with pdfmake's defaults (StyleContextStack.getStyleProperty
 * with its default argument, as measure calls it).
 */
const DEFAUTS_MESURE = {
  font: 'Roboto', bold: false, italics: false, alignment: 'left', fontSize: 12, fontFeatures: null, characterSpacing: 0,
  color: 'black', decoration: null, decorationColor: null, decorationStyle: null, decorationThickness: null,
  background: null, link: null, linkToPage: null, linkToDestination: null, noWrap: null, opacity: 1, sup: false,
  sub: false, lineHeight: 1, preserveLeadingSpaces: false, preserveTrailingSpaces: false,
} as const;
type ProprieteMesure = keyof typeof DEFAUTS_MESURE;
export const PROPRIETES = Object.keys(DEFAUTS_MESURE) as ProprieteMesure[];
const P = Object.fromEntries(PROPRIETES.map((k, i) => [k, i])) as Record<ProprieteMesure, number>;
const INDICE = new Map<string, number>(PROPRIETES.map((k, i) => [k, i]));
const DEFAUTS = PROPRIETES.map((k) => DEFAUTS_MESURE[k]);

/**
 * Every property of DEFAUTS_MESURE for `item` against `pile`, by one walk of the same sources in the same order as
 * getStyleProperty (the item's own values, its named styles last first, the stack top down, the default style,
 * the default): each source's own keys are read once, instead of each property looked up in every source. A named
 * style is read flattened with its `extends` (aplatir).
 */
export function resoudreStyle(item: Record<string, unknown>, pile: Pile | undefined): unknown[] {
  const v: unknown[] = new Array(PROPRIETES.length);
  let restant = PROPRIETES.length - lire(v, item);
  if (pile && restant && typeof item.section === 'undefined' && item.style) {
    const noms = (Array.isArray(item.style) ? item.style : [item.style]) as unknown[];
    for (let i = noms.length - 1; restant && i >= 0; i--) {
      const n = noms[i];
      restant -= lire(v, chaine(n) ? aplati(pile.styleDictionary, String(n)) : (n as Record<string, unknown>));
    }
  }
  const o = pile?.styleOverrides;
  if (pile && o) {
    for (let i = o.length - 1; restant && i >= 0; i--) {
      const e = o[i];
      restant -= lire(v, chaine(e) ? aplati(pile.styleDictionary, String(e)) : (e as Record<string, unknown>));
    }
  }
  if (restant) {
    // without a stack, getStyleProperty gives the default at once
    const d = pile?.defaultStyle;
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== undefined) continue;
      const x = d && d[PROPRIETES[i]];
      v[i] = valeur(x) ? x : DEFAUTS[i];
    }
  }
  return v;
}

/** Takes from `src` the properties still missing in `v`; returns how many it found. */
function lire(v: unknown[], src: Record<string, unknown>): number {
  let n = 0;
  for (const k in src) {
    const i = INDICE.get(k);
    if (i === undefined || v[i] !== undefined || !Object.hasOwn(src, k)) continue;
    const x = src[k];
    if (valeur(x)) {
      v[i] = x;
      n++;
    }
  }
  return n;
}

/**
 * A named style with what its `extends` chain gives for each key, as StyleContextStack.getProperty's inner function
 * finds it (own value, then the parents last first, depth first, a style met twice skipped), per style dictionary.
 */
const aplatis = new WeakMap<object, Map<string, Record<string, unknown>>>();
function aplati(dict: Pile['styleDictionary'], nom: string): Record<string, unknown> {
  let m = aplatis.get(dict);
  if (!m) aplatis.set(dict, (m = new Map()));
  let a = m.get(nom);
  if (!a) m.set(nom, (a = aplatir(dict, nom)));
  return a;
}
function aplatir(dict: Pile['styleDictionary'], nom: string, vus?: Set<string>): Record<string, unknown> {
  const plat: Record<string, unknown> = Object.create(null);
  if (vus?.has(nom)) return plat;
  const style = dict[nom];
  if (!style) return plat;
  for (const k of Object.keys(style)) if (valeur(style[k])) plat[k] = style[k];
  if (style.extends) {
    const dejaVus = vus ?? new Set<string>();
    dejaVus.add(nom);
    const parents = (Array.isArray(style.extends) ? style.extends : [style.extends]) as string[];
    for (let i = parents.length - 1; i >= 0; i--) {
      const p = aplatir(dict, parents[i], dejaVus);
      for (const k of Object.keys(p)) if (!(k in plat)) plat[k] = p[k];
    }
  }
  return plat;
}

/** JavaScript's \s (pdfmake cuts /^(\s)+/ and /(\s)+$/ from each word): ECMAScript WhiteSpace and LineTerminator. */
function espace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
const espacesEnTete = (t: string) => {
  let n = 0;
  while (n < t.length && espace(t.charCodeAt(n))) n++;
  return n;
};
const espacesEnQueue = (t: string) => {
  let n = 0;
  while (n < t.length && espace(t.charCodeAt(t.length - 1 - n))) n++;
  return n;
};

/**
 * A measured word: the properties TextInlines.measure sets, and those words commonly carry, declared up front in
 * one object literal (its constructor stays Object: pdfmake's cloneInline calls `inline.constructor()`).
 */
const motVide = (): Record<string, unknown> => ({
  text: '', lineEnd: undefined, noNewLine: undefined, style: undefined, bold: undefined, italics: undefined,
  font: undefined, alignment: undefined, fontSize: 0, fontFeatures: undefined, characterSpacing: undefined,
  color: undefined, decoration: undefined, decorationColor: undefined, decorationStyle: undefined,
  decorationThickness: undefined, background: undefined, link: undefined, linkToPage: undefined,
  linkToDestination: undefined, noWrap: undefined, opacity: undefined, sup: undefined, sub: undefined, width: 0,
  height: 0, leadingCut: undefined, leadingIndent: undefined, trailingCut: 0,
});

interface Mot {
  text: string;
  font: { lineHeight(size: number): number };
  fontSize: number;
  leadingCut?: number;
  leadingIndent?: number;
  trailingCut?: number;
  width?: number;
  height?: number;
  [k: string]: unknown;
}
type Resolu = Record<string, unknown> & { font: Mot['font']; fontSize: number; lineHeight: number };

/**
 * The caches shared by the documents using one parsed font, kept on the font object itself under a symbol (looked
 * up for every word: a property read, not a WeakMap probe); each is emptied when it reaches 100 000 entries.
 */
const CACHES = Symbol('caches atmp');
interface CachesPolice { runs: Map<string, Run>; largeurs: Map<string, number>; mots: Map<string, MotEncode | null> }
function cachesDe(font: object): CachesPolice {
  const f = font as { [CACHES]?: CachesPolice };
  return (f[CACHES] ??= { runs: new Map(), largeurs: new Map(), mots: new Map() });
}
function borne<K, V>(m: Map<K, V>): Map<K, V> {
  if (m.size >= 100_000) m.clear();
  return m;
}

function installerMiseEnForme(proto: PrototypePolice) {
  const layoutCached = proto.layoutCached;
  proto.layoutCached = function (text: string) {
    if (!caches || !this.layoutCache) return layoutCached.call(this, text);
    const cache = cachesDe(this.font).runs;
    let run = cache.get(text);
    if (!run) {
      const r = this.layoutRun(text) as Run;
      // fontkit's GlyphRun sums its positions at every read of advanceWidth: read once (positions already scaled)
      run = { glyphs: r.glyphs, positions: r.positions, advanceWidth: r.advanceWidth };
      borne(cache).set(text, run);
    }
    return run;
  };
  // a string's width (pdfkit: the sum of its words' cached runs, in order; recomputed for every measure) is kept
  // with the shared runs: the same sum, so the same float
  const widthOfString = proto.widthOfString;
  proto.widthOfString = function (text: string, size: number, features?: unknown) {
    if (!caches || features) return widthOfString.call(this, text, size, features);
    const cache = cachesDe(this.font).largeurs;
    let l = cache.get(text);
    if (l === undefined) {
      l = (this.layout(text, features, true) as Run).advanceWidth;
      borne(cache).set(text, l);
    }
    return l * (size / 1000);
  };
}

/**
 * pdfkit turns a colour name into its components at every use (_setColorCore: a regular expression, parseInt,
 * divisions), several times per table cell. The operator it writes for a '#rrggbb' or named colour depends on the
 * name only: it is kept per name. Spot colours (per document) and arrays go through pdfkit.
 */
function installerCouleurs() {
  const PDFDocument = pdfkit() as {
    prototype: {
      _setColorCore(this: DocumentCouleurs, c: unknown, stroke: boolean): boolean;
    };
  };
  const proto = PDFDocument.prototype;
  const setColorCore = proto._setColorCore;
  const connues = new Map<string, { espace: string; composantes: string }>();
  proto._setColorCore = function (color: unknown, stroke: boolean) {
    if (!caches || typeof color !== 'string') return setColorCore.call(this, color, stroke);
    let c = connues.get(color);
    if (c === undefined) {
      if (this.spotColors[color]) return setColorCore.call(this, color, stroke);
      const n = this._normalizeColor(color);
      // an array: a '#' or named colour (named colours take precedence over spot colours in _normalizeColor)
      if (!Array.isArray(n)) return setColorCore.call(this, color, stroke);
      c = { espace: this._getColorSpace(n), composantes: n.join(' ') };
      if (connues.size < 10_000) connues.set(color, c);
    }
    this._setColorSpace(c.espace, stroke);
    this.addContent(`${c.composantes} ${stroke ? 'SCN' : 'scn'}`);
    return true;
  };
}
interface DocumentCouleurs {
  spotColors: Record<string, unknown>;
  _normalizeColor(c: unknown): unknown;
  _getColorSpace(c: unknown): string;
  _setColorSpace(space: string, stroke: boolean): unknown;
  addContent(s: string): unknown;
}

/**
 * pdfmake splits every text node into words with the Unicode line-breaking algorithm (linebreak's nextBreak, one
 * code point at a time). Most texts of a notification recur in every document (labels, legal paragraphs): the break
 * positions of a string are computed once and replayed. Break objects are only read by pdfmake (TextBreaker).
 */
function installerCoupures() {
  const LineBreaker = createRequire(require.resolve('pdfmake'))('linebreak') as { prototype: { nextBreak(this: Coupeur): unknown } };
  const nextBreak = LineBreaker.prototype.nextBreak;
  const connues = new Map<string, unknown[]>();
  LineBreaker.prototype.nextBreak = function (this: Coupeur) {
    if (!caches) return nextBreak.call(this);
    let l = this.ruptures;
    if (l === undefined) {
      l = connues.get(this.string);
      if (l === undefined) {
        l = [];
        for (let b = nextBreak.call(this); b; b = nextBreak.call(this)) l.push(b);
        if (connues.size >= 100_000) connues.clear();
        connues.set(this.string, l);
      }
      this.ruptures = l;
      this.suivante = 0;
    }
    return this.suivante! < l.length ? l[this.suivante!++] : null;
  };
}
interface Coupeur { string: string; ruptures?: unknown[]; suivante?: number }

/**
 * Every subset of `police` (a parsed fontkit font, shared by the documents of this thread) starts with the glyphs of
 * `texte`'s characters and of the ligatures the font substitutes for them (fi, fl, ff, ffi, ffl), in a fixed order.
 */
export function repertoireFixe(police: object, texte: string): boolean {
  if (!installer()) return false; // its widths are filled by the embed() of installerSousEnsembles
  const font = police as PoliceFontkit;
  const ids: number[] = [];
  const vus = new Set<number>([0]);
  const ajouter = (g: GlyphePolice) => {
    if (!vus.has(g.id)) {
      vus.add(g.id);
      ids.push(g.id);
    }
  };
  for (const c of texte) if (c.trim()) ajouter(font.glyphForCodePoint(c.codePointAt(0)!));
  ajouter(font.glyphForCodePoint(0x20));
  ajouter(font.glyphForCodePoint(0xa0));
  for (const l of ['fi', 'fl', 'ff', 'ffi', 'ffl']) for (const g of font.layout(l).glyphs) ajouter(g);
  const createSubset = font.createSubset.bind(font);
  font.createSubset = () => {
    const s = createSubset();
    for (const id of ids) s.includeGlyph(id);
    s.prefixe = ids;
    return s;
  };
  return true;
}

function installerSousEnsembles(proto: PrototypePolice) {
  const embed = proto.embed;
  const deflate = (require('node:zlib') as typeof import('node:zlib')).deflateSync;
  // per parsed font: the fixed-repertoire subset, encoded then deflated as PDFReference would (zlib defaults)
  const prets = new WeakMap<object, Buffer>();
  proto.embed = function () {
    const s = this.subset;
    if (!s.prefixe) return embed.call(this);
    // the widths and ToUnicode entries of the repertoire's glyphs, used or not (pdfkit fills them as words are
    // encoded; a gap would shift the /W array): subset id k + 1 is the repertoire's k-th glyph
    const font = this.font as PoliceFontkit;
    s.prefixe.forEach((id, k) => {
      if (this.widths[k + 1] == null) {
        const g = font.getGlyph(id);
        this.widths[k + 1] = g.advanceWidth * this.scale;
        this.unicode[k + 1] = g.codePoints;
      }
    });
    const seul = s.glyphs.length === s.prefixe.length + 1; // .notdef + the repertoire, nothing else
    if (!caches || !seul || !this.document.compress || this.document._security) return embed.call(this);
    let pret = prets.get(this.font);
    if (!pret) prets.set(this.font, (pret = deflate(Buffer.from(s.encode()))));
    // embed() starts with `const fontFile = this.document.ref(); fontFile.end(this.subset.encode())`: that stream
    // receives the deflated bytes, with the same dictionary (Length then Filter) as PDFReference.write gives
    const doc = this.document;
    const ref = doc.ref;
    const encode = s.encode;
    const octets = pret;
    doc.ref = function (data?: object) {
      doc.ref = ref;
      const r = ref.call(doc, data);
      r.compress = false;
      const write = r.write;
      r.write = function (chunk: unknown) {
        write.call(r, chunk);
        r.data.Filter = 'FlateDecode';
      };
      return r;
    };
    s.encode = () => octets;
    try {
      return embed.call(this);
    } finally {
      doc.ref = ref;
      s.encode = encode;
    }
  };
}

/** pdfkit's number formatting in content streams (PDFObject.number). */
const nombre = (n: number) => Math.round(n * 1e6) / 1e6;

function ligneSimple(l: Ligne): boolean {
  if (l._outline || l._pageNodeRef || l.id) return false;
  for (const i of l.inlines) {
    if (valeur(i.link) || valeur(i.linkToPage) || valeur(i.linkToDestination) || valeur(i._pageNodeRef)) return false;
    if (valeur(i.fontFeatures) || valeur(i.background) || valeur(i.decoration)) return false;
    if (i.sup || i.sub || i.characterSpacing) return false;
    if (typeof i.opacity === 'number' && i.opacity !== 1) return false;
    if (i.color !== undefined && i.color !== null && typeof i.color !== 'string') return false;
    if (i.text.includes('\n')) return false;
  }
  return true;
}

/**
 * A word's glyphs as TJ array elements (`<glyph ids> kerning` segments, as pdfkit's _fragment cuts them), when it
 * depends on nothing but the font and the word: no glyph offset and every glyph in the fixed repertoire (then the
 * same subset ids in every document). Kept with the glyphs whose width and ToUnicode entry pdfkit's encode()
 * records, so that a hit has the same effect on the document.
 */
interface MotEncode { tj: string; ids: number[]; glyphes: GlyphePolice[] }

/**
 * The word encoded in the document's subset: its TJ elements (a string), or, when a glyph carries an offset (a
 * combining mark), pdfkit's encode() result, to be written glyph by glyph.
 */
function encoderMot(police: PolicePdfkit, texte: string): string | [string[], Position[]] {
  const prefixe = police.subset.prefixe;
  if (!caches || !prefixe) {
    const e = police.encode(texte);
    return elementsTJ(e[0], e[1]) ?? e;
  }
  const cache = cachesDe(police.font).mots;
  const mot = cache.get(texte);
  if (mot === undefined) {
    const { glyphs } = police.layout(texte) as { glyphs: GlyphePolice[] };
    const e = police.encode(texte);
    const tj = elementsTJ(e[0], e[1]);
    const ids = e[0].map((h) => parseInt(h, 16));
    borne(cache).set(texte, tj !== null && ids.every((id) => id >= 1 && id <= prefixe.length) ? { tj, ids, glyphes: glyphs } : null);
    return tj ?? e;
  }
  if (mot === null) {
    const e = police.encode(texte);
    return elementsTJ(e[0], e[1]) ?? e;
  }
  // what pdfkit's encode() records for each glyph (its subset already holds them: the repertoire)
  for (let i = 0; i < mot.ids.length; i++) {
    const id = mot.ids[i];
    if (police.widths[id] == null) police.widths[id] = mot.glyphes[i].advanceWidth * police.scale;
    if (police.unicode[id] == null) police.unicode[id] = mot.glyphes[i].codePoints;
  }
  return mot.tj;
}

/** One TJ segment: glyphs [debut, fin) and the kerning after the last one, as pdfkit's _fragment addSegment. */
function segment(encoded: string[], positions: Position[], debut: number, fin: number): string {
  const p = positions[fin - 1];
  return `<${encoded.slice(debut, fin).join('')}> ${nombre(-(p.xAdvance - p.advanceWidth))}`;
}

/** A word's TJ elements, cut where the font kerns (as pdfkit), or null when a glyph has an offset. */
function elementsTJ(encoded: string[], positions: Position[]): string | null {
  let s = '';
  let last = 0;
  for (let i = 0; i < positions.length; i++) {
    const pos = positions[i];
    if (pos.xOffset || pos.yOffset) return null;
    if (pos.xAdvance - pos.advanceWidth !== 0) {
      s += `${s ? ' ' : ''}${segment(encoded, positions, last, i + 1)}`;
      last = i + 1;
    }
  }
  if (last < positions.length) s += `${s ? ' ' : ''}${segment(encoded, positions, last, positions.length)}`;
  return s;
}

/** A word with glyph offsets, written as pdfkit's _fragment does: a Tm around each offset glyph. */
function ecrireMotDecale(sortie: string[], [encoded, positions]: [string[], Position[]], taille: number, x: number, y: number) {
  const scale = taille / 1000;
  let commandes = '';
  let last = 0;
  let decale = false;
  let i = 0;
  for (; i < positions.length; i++) {
    const pos = positions[i];
    if (pos.xOffset || pos.yOffset) {
      // flush(i), then the offset glyph alone, as pdfkit does
      if (last < i) commandes += `${commandes ? ' ' : ''}${segment(encoded, positions, last, i)}`;
      if (commandes) sortie.push(`[${commandes}] TJ`);
      commandes = '';
      sortie.push(`1 0 0 1 ${nombre(x + pos.xOffset * scale)} ${nombre(y + pos.yOffset * scale)} Tm`);
      sortie.push(`[${segment(encoded, positions, i, i + 1)}] TJ`);
      last = i + 1;
      decale = true;
    } else {
      if (decale) {
        sortie.push(`1 0 0 1 ${nombre(x)} ${nombre(y)} Tm`);
        decale = false;
      }
      if (pos.xAdvance - pos.advanceWidth !== 0) {
        commandes += `${commandes ? ' ' : ''}${segment(encoded, positions, last, i + 1)}`;
        last = i + 1;
      }
    }
    x += pos.xAdvance * scale;
  }
  if (last < i) commandes += `${commandes ? ' ' : ''}${segment(encoded, positions, last, i)}`;
  if (commandes) sortie.push(`[${commandes}] TJ`);
}

/** Writes the pending run of words as one TJ and empties it; the pen's line is then unknown (NaN). */
function fermerTJ(sortie: string[], tj: string[]): number {
  if (tj.length) {
    sortie.push(`[${tj.join(' ')}] TJ`);
    tj.length = 0;
  }
  return Number.NaN;
}

function installerRendu() {
  const Renderer = require('pdfmake/js/Renderer').default as { prototype: { renderLine(this: { pdfDocument: DocumentPdf }, l: Ligne, x: number, y: number): void } };
  const renderLine = Renderer.prototype.renderLine;
  const couleurs = new Map<string, string>();
  Renderer.prototype.renderLine = function (line: Ligne, x: number, y: number) {
    if (!lignes || !ligneSimple(line)) return renderLine.call(this, line, x, y);
    const doc = this.pdfDocument;
    x = x || 0;
    y = y || 0;
    const hauteur = line.getHeight();
    const descente = hauteur - line.getAscenderHeight();
    const h = doc.page.height;
    // as pdfmake before each word: opacity 1 (ExtGState), outside the text object
    doc.opacity(1);
    const sortie: string[] = ['q', `1 0 0 -1 0 ${nombre(h)} cm`, 'BT'];
    let couleurCourante: string | undefined;
    let policeCourante: PoliceEmbarquee | undefined;
    let tailleCourante: number | undefined;
    // the words of a run (same font, size, colour, baseline) go in one TJ: the pen, after a word, stands at the
    // word's start plus its advance (glyph widths and kerning); a gap to where pdfmake put the next word (justified
    // text) is a TJ displacement, in thousandths of the font size
    const tj: string[] = [];
    let plumeX = 0;
    let plumeY = Number.NaN;
    for (const inline of line.inlines) {
      const texte = inline.text;
      if (!texte) continue;
      const police = inline.font;
      const taille = inline.fontSize;
      const nomCouleur = String(doc.resolveColor(inline.color, 'black'));
      let couleur = couleurs.get(nomCouleur);
      if (couleur === undefined) {
        const c = doc._normalizeColor(nomCouleur);
        couleur = c && c.length === 3 ? `${c.map(nombre).join(' ')} rg` : c && c.length === 1 ? `${nombre(c[0])} g` : c && c.length === 4 ? `${c.map(nombre).join(' ')} k` : '0 g';
        couleurs.set(nomCouleur, couleur);
      }
      if (couleur !== couleurCourante) {
        plumeY = fermerTJ(sortie, tj);
        sortie.push((couleurCourante = couleur));
      }
      if (doc.page.fonts[police.id] == null) doc.page.fonts[police.id] = police.ref();
      if (police !== policeCourante || taille !== tailleCourante) {
        plumeY = fermerTJ(sortie, tj);
        sortie.push(`/${police.id} ${nombre(taille)} Tf`);
        policeCourante = police;
        tailleCourante = taille;
      }
      // pdfmake: baseline shift in the line; pdfkit: top of the text box (ascender), in the flipped page space
      // (same operations in the same order as Renderer.renderLine and _fragment: the same floats)
      const haut = (police.ascender / 1000) * taille;
      const yLigne = y + (hauteur - haut - descente);
      const yPdf = h - yLigne - haut;
      const xPdf = x + inline.x;
      const mot = encoderMot(police as PolicePdfkit, texte);
      if (typeof mot !== 'string') {
        plumeY = fermerTJ(sortie, tj);
        sortie.push(`1 0 0 1 ${nombre(xPdf)} ${nombre(yPdf)} Tm`);
        ecrireMotDecale(sortie, mot, taille, xPdf, yPdf);
        continue;
      }
      if (yPdf === plumeY) {
        const ecart = nombre(((plumeX - xPdf) * 1000) / taille);
        if (ecart !== 0) tj.push(String(ecart));
      } else {
        fermerTJ(sortie, tj);
        sortie.push(`1 0 0 1 ${nombre(xPdf)} ${nombre(yPdf)} Tm`);
        plumeY = yPdf;
      }
      tj.push(mot);
      plumeX = xPdf + (police as PolicePdfkit).widthOfString(texte, taille);
    }
    fermerTJ(sortie, tj);
    sortie.push('ET', 'Q');
    doc.addContent(sortie.join('\n'));
    const derniere = line.inlines[line.inlines.length - 1];
    if (derniere) {
      doc._font = derniere.font;
      doc._fontSize = derniere.fontSize;
    }
  };
}

/**
 * pdfkit's PDFReference turns every content-stream operator into its own Buffer (write: Buffer.from(chunk + '\n')),
 * then concatenates and deflates them at zlib's default level. Here text chunks are kept as strings and joined once
 * (the same bytes), and a stream made of text (page contents, ToUnicode maps) is deflated at level 3: measured on
 * the notifications, half the time of level 6 for 13 % more bytes on these streams (~1.8 KB per document). Binary
 * streams (font files) keep zlib's default level. Off with `lignes: false` (pdfkit as shipped).
 */
const NIVEAU_TEXTE = 3;
interface ReferenceEcrite {
  data: Record<string, unknown> & { Length?: number };
  compress: boolean;
  uncompressedLength: number;
  buffer: (string | Uint8Array)[];
  texte?: boolean;
}
function installerFlux() {
  const PDFDocument = pdfkit() as new () => { ref(): object };
  const proto = Object.getPrototypeOf(new PDFDocument().ref()) as { write(this: ReferenceEcrite, c: unknown): void; finalize(this: ReferenceEcrite): void };
  const { deflateSync } = require('node:zlib') as typeof import('node:zlib');
  const write = proto.write;
  const finalize = proto.finalize;
  proto.write = function (chunk: unknown) {
    if (!lignes || chunk instanceof Uint8Array) return write.call(this, chunk);
    const s = `${chunk}\n`;
    this.uncompressedLength += s.length;
    if (this.data.Length == null) this.data.Length = 0;
    (this.buffer as (string | Uint8Array)[]).push(s);
    this.data.Length += s.length; // latin1: one byte per UTF-16 unit, as Buffer.from(…, 'binary')
    if (this.compress) this.data.Filter = 'FlateDecode';
    this.texte = true;
  };
  proto.finalize = function () {
    if (!lignes || !this.texte) return finalize.call(this);
    // the chunks as one Buffer, text written straight into it (latin1, as Buffer.from(…, 'binary')), deflated at
    // the text level, then pdfkit's own finalize (offset, encryption, dictionary, stream) with nothing left to
    // compress (its Filter is already set by write)
    const morceaux = this.buffer as (string | Uint8Array)[];
    let taille = 0;
    for (const c of morceaux) taille += c.length;
    let octets = Buffer.allocUnsafe(taille);
    let o = 0;
    for (const c of morceaux) {
      if (typeof c === 'string') o += octets.write(c, o, 'latin1');
      else {
        octets.set(c, o);
        o += c.length;
      }
    }
    if (this.compress) {
      octets = deflateSync(octets, { level: NIVEAU_TEXTE });
      this.compress = false;
    }
    this.buffer = [octets];
    finalize.call(this);
  };
}

function installer(): boolean {
  if (installe) return true;
  const vPdfmake = (require('pdfmake/package.json') as { version: string }).version;
  const vPdfkit = (require(require.resolve('pdfkit/package.json', { paths: [require.resolve('pdfmake')] })) as { version: string }).version;
  if (vPdfmake !== VERSIONS.pdfmake || vPdfkit !== VERSIONS.pdfkit) return false;
  installerStyles();
  installerMesure();
  const proto = prototypePolice();
  installerMiseEnForme(proto);
  installerSousEnsembles(proto);
  installerRendu();
  installerFlux();
  installerCoupures();
  installerCouleurs();
  installe = true;
  return true;
}

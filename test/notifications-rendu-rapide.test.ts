/**
 * The fast rendering path (pipelines/notifications/pdfmake-rapide.ts) against pdfmake as shipped, on the notifications
 * of the test campaign (a 7-establishment group head with individual and mixed rates, « Œuf & Cœur », a print-batch
 * recipient) and on a long variant (every section twelve times over, several pages; names with ñ, ß, Ł, outside the
 * fixed font repertoire):
 *   - the caches change nothing: `rapide` and `sans-cache` give the same bytes;
 *   - the line writer changes nothing visible: against `pdfmake`, the same words at the same positions
 *     (pdftotext -bbox, within 1e-4 pt) and the same pixels on every page (pdftoppm, greyscale).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, preparerCampagne } from './fixtures/notifications/campagne.ts';
import { lireDestinataires } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { modeRendu, rendreNotification, type ModeRendu } from '../pipelines/notifications/rendu.ts';
import { createRequire } from 'node:module';
import { accelerer, PROPRIETES, resoudreStyle } from '../pipelines/notifications/pdfmake-rapide.ts';
import type { DonneesNotification } from '../templates/notification.ts';

const POPPLER = !spawnSync('pdftoppm', ['-v']).error;
/** the coordinates in pdftotext -bbox output */
const NOMBRE = /(?<=(?:xMin|yMin|xMax|yMax|width|height)=")[0-9.]+(?=")/g;
let db: TestDb;
let dir: string;
const documents: { nom: string; donnees: DonneesNotification }[] = [];

async function rendre(d: DonneesNotification, mode: ModeRendu): Promise<Buffer> {
  modeRendu(mode);
  try {
    return await rendreNotification(d);
  } finally {
    modeRendu('rapide');
  }
}

beforeAll(async () => {
  db = await testDb();
  dir = tempDir('atmp-rendu-rapide-');
  await preparerCampagne(db);
  const c = await db.knex('campagne').where({ annee: ANNEE }).first();
  const dests = await lireDestinataires(db.knex, ANNEE, notificationsConfig({}), new Date(c.validee_le));
  for (const d of dests) documents.push({ nom: d.siren, donnees: d.donnees });
  const long = structuredClone(dests[0].donnees);
  long.destinataire.nom = 'Peña & Straße — Łódź';
  long.sections = Array.from({ length: 12 }, () => long.sections).flat().map((s, i) => ({ ...s, etablissement_nom: `${s.etablissement_nom} n° ${i + 1}` }));
  // a word wider than its column: pdfmake cuts it (LayoutBuilder.buildNextLine clones the measured word)
  long.sections[1].commune = 'Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson-Aux-Très-Longs-Noms-Composés';
  long.sections[2].adresse = `${'ZoneArtisanaleDesQuatreCheminsSansAucuneEspace'.repeat(2)} 12`;
  documents.push({ nom: 'long', donnees: long });
}, 120_000);
afterAll(async () => db?.drop());

describe('fast notification rendering', () => {
  it('is installed: pdfmake and pdfkit are the pinned versions', () => {
    expect(accelerer()).toBe(true);
  });

  it('gives the same bytes with and without its caches', async () => {
    expect(documents.length).toBe(4);
    for (const { nom, donnees } of documents) {
      const rapide = await rendre(donnees, 'rapide');
      const sansCache = await rendre(donnees, 'sans-cache');
      expect(Buffer.compare(rapide, sansCache), nom).toBe(0);
      // and again after other documents went through the shared caches
      expect(Buffer.compare(await rendre(donnees, 'rapide'), rapide), nom).toBe(0);
    }
  });

  it.skipIf(!POPPLER)('draws the same page as pdfmake as shipped: same words at the same places, same pixels', async () => {
    for (const { nom, donnees } of documents) {
      const chemins: Record<string, string> = {};
      for (const mode of ['rapide', 'pdfmake'] as const) {
        chemins[mode] = join(dir, `${nom}-${mode}.pdf`);
        writeFileSync(chemins[mode], await rendre(donnees, mode));
      }
      const mots = (m: string) => execFileSync('pdftotext', ['-bbox', chemins[m], '-'], { encoding: 'utf8', maxBuffer: 64 << 20 }).replace(/<head>[\s\S]*<\/head>/, '');
      const a = mots('rapide');
      expect(a, nom).toContain(donnees.destinataire.nom.replace('&', '&amp;').split(' ')[0]);
      const b = mots('pdfmake');
      // the fast path places a line's words with one TJ (the pen's advance), pdfmake each at its own point: the
      // same positions up to the last printed decimal (1e-6 pt); a real shift (0.01 pt and more) fails
      expect(a.replace(NOMBRE, '#'), nom).toBe(b.replace(NOMBRE, '#'));
      const [na, nb] = [a.match(NOMBRE)!.map(Number), b.match(NOMBRE)!.map(Number)];
      const ecart = na.reduce((m, v, i) => Math.max(m, Math.abs(v - nb[i])), 0);
      expect(ecart, `${nom} : écart de position maximal`).toBeLessThan(1e-4);
      for (const mode of ['rapide', 'pdfmake']) execFileSync('pdftoppm', ['-r', '60', '-gray', chemins[mode], join(dir, `${nom}-${mode}`)]);
      const pages = (m: string) => readdirSync(dir).filter((f) => f.startsWith(`${nom}-${m}-`) && f.endsWith('.pgm')).sort();
      expect(pages('rapide').length, nom).toBe(pages('pdfmake').length);
      if (nom === 'long') expect(pages('rapide').length).toBeGreaterThan(4);
      pages('rapide').forEach((p, i) => {
        expect(Buffer.compare(readFileSync(join(dir, p)), readFileSync(join(dir, pages('pdfmake')[i]))), `${nom} page ${i + 1}`).toBe(0);
      });
    }
  });

  it('resolves a word’s style properties as pdfmake does (resoudreStyle and getStyleProperty), on random styles, extends chains (cycles too) and stacks', () => {
    const require = createRequire(import.meta.url);
    const SCS = require('pdfmake/js/StyleContextStack').default as {
      new (dict: object, defaut?: object): { push(x: unknown): void };
      getStyleProperty(item: unknown, pile: unknown, prop: string, defaut: unknown): unknown;
    };
    // mulberry32: a seeded generator whose low bits are not periodic
    let x = 12345;
    const hasard = (n: number) => {
      x = (x + 0x6d2b79f5) | 0;
      let t = Math.imul(x ^ (x >>> 15), 1 | x);
      t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const valeurs = [undefined, null, 0, false, true, 7, 'centre', 'Roboto', '#123456', 1.5];
    // most keys among four properties, so that styles, their parents and the stack often disagree on one
    const cle = () => PROPRIETES[hasard(4) ? hasard(4) : hasard(PROPRIETES.length)];
    const style = (noms: string[]) => {
      const o: Record<string, unknown> = {};
      for (let k = hasard(4); k > 0; k--) o[cle()] = valeurs[hasard(valeurs.length)];
      if (hasard(3) === 0) o.extends = hasard(2) ? noms[hasard(noms.length)] : [noms[hasard(noms.length)], noms[hasard(noms.length)]];
      return o;
    };
    accelerer({ caches: false }); // pdfmake's own getStyleProperty
    try {
      for (let essai = 0; essai < 1000; essai++) {
        const noms = ['a', 'b', 'c', 'd', 'e'];
        const dict = Object.fromEntries(noms.slice(0, 1 + hasard(5)).map((n) => [n, style(noms)]));
        const pile = new SCS(dict, hasard(2) ? style(noms) : undefined);
        for (let k = hasard(5); k > 0; k--) pile.push(hasard(2) ? noms[hasard(noms.length)] : style(noms));
        const item: Record<string, unknown> = { text: 'mot ', ...style(noms) };
        if (hasard(2)) item.style = hasard(2) ? noms[hasard(noms.length)] : [noms[hasard(noms.length)], style(noms)];
        if (hasard(8) === 0) item.section = {};
        const v = resoudreStyle(item, pile as never);
        PROPRIETES.forEach((p, i) => {
          const defaut = { font: 'Roboto', alignment: 'left', fontSize: 12, color: 'black', opacity: 1, lineHeight: 1, characterSpacing: 0 }[p as string] ?? (['bold', 'italics', 'sup', 'sub', 'preserveLeadingSpaces', 'preserveTrailingSpaces'].includes(p) ? false : null);
          const attendu = SCS.getStyleProperty(item, pile, p, defaut);
          expect(v[i], `essai ${essai}, ${p}`).toEqual(attendu);
          // and the fast getStyleProperty (named styles read flattened), used by pdfmake everywhere else
          accelerer();
          try {
            expect(SCS.getStyleProperty(item, pile, p, defaut), `essai ${essai}, ${p}, getStyleProperty`).toEqual(attendu);
          } finally {
            accelerer({ caches: false });
          }
        });
      }
    } finally {
      accelerer();
    }
  });

  it.skipIf(!POPPLER)('extracts every character, in and out of the fixed repertoire', async () => {
    const chemin = join(dir, 'long-rapide.pdf');
    writeFileSync(chemin, await rendre(documents[3].donnees, 'rapide'));
    const texte = execFileSync('pdftotext', [chemin, '-'], { encoding: 'utf8' });
    for (const t of ['Peña & Straße — Łódź', '« Œuf & Cœur »', 'Étangs', 'n° 12']) expect(texte).toContain(t);
  });
});

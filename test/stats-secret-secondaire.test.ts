/**
 * Secondary secrecy (pipelines/statistiques/secret-secondaire.ts): after protection, no withheld cell of a crossing
 * or a nesting can be computed from the published cells and totals. Checked independently of the implementation
 * by linear algebra: a withheld value is determined iff its unit vector lies in the row space of the equations
 * "line total = sum of its cells" restricted to the withheld values (ranks over GF(p); the incidence matrix of a
 * network is totally unimodular, so ranks modulo a large prime equal the rational ones).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secretSecondaire, type Cellule } from '../pipelines/statistiques/secret-secondaire.ts';

const P = 2147483647n;

function rang(lignes: bigint[][]): number {
  const m = lignes.map((l) => l.map((x) => ((x % P) + P) % P));
  let r = 0;
  const nCol = m[0]?.length ?? 0;
  for (let c = 0; c < nCol && r < m.length; c++) {
    const piv = m.findIndex((l, i) => i >= r && l[c] !== 0n);
    if (piv < 0) continue;
    [m[r], m[piv]] = [m[piv], m[r]];
    const inv = puissance(m[r][c], P - 2n);
    m[r] = m[r].map((x) => (x * inv) % P);
    for (let i = 0; i < m.length; i++) {
      if (i !== r && m[i][c] !== 0n) {
        const f = m[i][c];
        m[i] = m[i].map((x, j) => (((x - f * m[r][j]) % P) + P) % P);
      }
    }
    r++;
  }
  return r;
}
function puissance(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= P;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}

/** Withheld values (cells by key, totals by line id) that the published values determine. */
function determinees(cellules: Cellule[], retenues: Set<string>): string[] {
  const lignes = new Map<string, boolean>();
  for (const c of cellules) for (const l of c.lignes) lignes.set(l.id, l.publie);
  // unknowns: withheld cells, then withheld totals
  const inconnues = [...cellules.filter((c) => retenues.has(c.cle)).map((c) => c.cle), ...[...lignes].filter(([, p]) => !p).map(([id]) => `total ${id}`)];
  const idx = new Map(inconnues.map((k, i) => [k, i]));
  const equations: bigint[][] = [];
  for (const [id, publie] of lignes) {
    const eq = new Array<bigint>(inconnues.length).fill(0n);
    for (const c of cellules) if (c.lignes.some((l) => l.id === id) && idx.has(c.cle)) eq[idx.get(c.cle)!] = 1n;
    if (!publie) eq[idx.get(`total ${id}`)!] = -1n;
    equations.push(eq);
  }
  if (!inconnues.length) return [];
  const r = rang(equations);
  return inconnues.filter((_, i) => {
    const unite = inconnues.map((__, j) => (i === j ? 1n : 0n));
    return rang([...equations, unite]) === r;
  });
}

const croisement = (lignes: string[], colonnes: string[], secretes: Set<string>, totauxSecrets: Set<string>, cout = (_k: string) => 10): Cellule[] =>
  lignes.flatMap((r) =>
    colonnes.map((c) => ({
      cle: `${r}/${c}`,
      secret: secretes.has(`${r}/${c}`),
      cout: cout(`${r}/${c}`),
      lignes: [{ id: `ctn:${r}`, publie: !totauxSecrets.has(r) }, { id: `naf5:${c}`, publie: !totauxSecrets.has(c) }] as [{ id: string; publie: boolean }, { id: string; publie: boolean }],
    })),
  );

describe('secondary secrecy', () => {
  it('a lone withheld cell of a crossing gets three companions on a rectangle, the cheapest ones', () => {
    const cout = (k: string) => ({ 'A/x': 5, 'A/y': 50, 'B/x': 60, 'B/y': 7, 'A/z': 1, 'B/z': 1000 })[k] ?? 10;
    const cellules = croisement(['A', 'B'], ['x', 'y', 'z'], new Set(['A/x']), new Set(), cout);
    const r = secretSecondaire(cellules);
    // A/x's cycle: A/x → x → B → z → A, cost B/x 60 + B/z 1000 + A/z 1 vs A/y 50 + B/y 7 + B/x 60: the second
    expect(r.secondaires).toEqual(['A/y', 'B/x', 'B/y']);
    expect(determinees(cellules, new Set(['A/x', ...r.secondaires]))).toEqual([]);
    // without the secondary cells, A/x = total of A − A/y − A/z
    expect(determinees(cellules, new Set(['A/x']))).toEqual(['A/x']);
  });

  it('a nesting: one withheld code risque of a published CTN takes its cheapest sibling; a withheld CTN total is left alone when two cells are withheld', () => {
    const n = (cle: string, ctn: string, secret: boolean, cout: number, publie = true): Cellule => ({ cle, secret, cout, lignes: [{ id: `ctn:${ctn}`, publie }] });
    const cellules = [n('27.1ZF', 'A', true, 3, true), n('28.5DA', 'A', false, 40, true), n('28.6AB', 'A', false, 20, true), n('45.1AA', 'B', false, 5, true)];
    expect(secretSecondaire(cellules).secondaires).toEqual(['28.6AB']);
    // a withheld CTN whose cells are all published would be their sum: its cheapest cell is withheld... and a second one
    const c2 = [n('52.1BC', 'D', false, 9, false), n('52.1BD', 'D', false, 4, false), n('45.1AA', 'B', false, 5, true)];
    const r2 = secretSecondaire(c2);
    expect(r2.secondaires).toEqual(['52.1BD']);
    expect(determinees(c2, new Set(r2.secondaires))).toEqual([]);
  });

  it('a withheld total determined by the other totals alone is reported as exposed', () => {
    // rows A, B; one column x; A's total withheld but B's and x's published: A = x − B whatever the cells
    const cellules = croisement(['A', 'B'], ['x'], new Set(['A/x']), new Set(['A']));
    const r = secretSecondaire(cellules);
    expect(r.exposees).toContain('ctn:A');
  });

  it('property: no withheld cell is determined after protection, and what is reported exposed is determined', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 20, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        (nl, nc, sec, couts, tot) => {
          const lignes = ['A', 'B', 'C', 'D'].slice(0, nl);
          const colonnes = ['p', 'q', 'r', 's', 't'].slice(0, nc);
          const cles = lignes.flatMap((r) => colonnes.map((c) => `${r}/${c}`));
          const secretes = new Set(cles.filter((_, i) => sec[i] && i % 3 === 0));
          const totaux = new Set([...lignes, ...colonnes].filter((_, i) => tot[i] && i % 2 === 1));
          const cellules = croisement(lignes, colonnes, secretes, totaux, (k) => couts[cles.indexOf(k)]);
          const r = secretSecondaire(cellules);
          const retenues = new Set([...secretes, ...r.secondaires]);
          const d = determinees(cellules, retenues);
          const aProteger = [...secretes, ...[...totaux].map((t) => `total ${lignes.includes(t) ? 'ctn' : 'naf5'}:${t}`)];
          const exposees = new Set(r.exposees.map((e) => (e.includes(':') ? `total ${e}` : e)));
          for (const k of aProteger) expect(d.includes(k), `${k} déterminé`).toBe(exposees.has(k));
        },
      ),
      { numRuns: 300, seed: 19 },
    );
  });
});

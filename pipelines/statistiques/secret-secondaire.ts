/**
 * Secondary statistical secrecy for cells published together with their totals (docs/statistiques.md §Secret):
 * a withheld cell must not be computable by difference from its row and column totals.
 *
 * The cells of a table and its totals are flows of a network: a cell of line r (and column c) flows from r to c
 * (to the node G when the cell has one line), the total of a line flows between that line and G. Every line's total
 * equals the sum of its cells: flow is conserved at each node (G's equation follows from the others). Withheld
 * values are the unknowns; a set of known flows determines an unknown flow exactly when that edge is a bridge of
 * the graph of unknown edges (the solutions differ by circulations, and a circulation can be non-zero on an edge iff
 * the edge lies on a cycle). So each withheld cell or total that is a bridge is put on a cycle by withholding the
 * published cells of the cheapest path joining its two ends (cost: the cell's effectif, so that small cells go
 * first), until no withheld value is a bridge. Totals belong to their own tables and are never withheld here: a
 * withheld value that no path of published cells can protect (the published totals alone determine it) is
 * reported as exposed.
 */

export interface LigneCellule {
  /** line identifier, unique across dimensions (e.g. 'ctn:A', 'naf5:2451Z') */
  id: string;
  /** is the line's total published (not withheld by its own table)? */
  publie: boolean;
}

export interface Cellule {
  cle: string;
  /** primary secrecy */
  secret: boolean;
  /** what withholding it costs (its effectif): the cheapest cells are withheld first */
  cout: number;
  /** one line (a nesting: code risque in its CTN) or two (a crossing: CTN × NAF5) */
  lignes: [LigneCellule] | [LigneCellule, LigneCellule];
}

export interface ResultatSecretSecondaire {
  /** keys of the cells withheld for secondary secrecy, sorted */
  secondaires: string[];
  /** withheld cells (keys) or totals (line ids) that published totals determine whatever this table withholds (a
   * cell equal to a published total minus another published total): only not publishing those tables together
   * protects them */
  exposees: string[];
}

interface Arete {
  id: number;
  a: number;
  b: number;
  /** index of the cell, or -1 for a line's total */
  cellule: number;
  ligne?: string;
  inconnue: boolean;
  cout: number;
}

/** Bridges of the multigraph made of the edges kept by `garde`, found without recursion (Tarjan's low-link). */
function ponts(nNoeuds: number, aretes: Arete[], garde: (e: Arete) => boolean): Set<number> {
  const adj: number[][] = Array.from({ length: nNoeuds }, () => []);
  for (const e of aretes) if (garde(e)) { adj[e.a].push(e.id); adj[e.b].push(e.id); }
  const ordre = new Array<number>(nNoeuds).fill(-1);
  const bas = new Array<number>(nNoeuds).fill(0);
  const resultat = new Set<number>();
  let t = 0;
  for (let s = 0; s < nNoeuds; s++) {
    if (ordre[s] !== -1) continue;
    // stack of [node, edge used to enter it, next adjacency index]
    const pile: [number, number, number][] = [[s, -1, 0]];
    ordre[s] = bas[s] = t++;
    while (pile.length) {
      const haut = pile[pile.length - 1];
      const [u, entree] = haut;
      if (haut[2] < adj[u].length) {
        const eid = adj[u][haut[2]++];
        if (eid === entree) continue;
        const e = aretes[eid];
        const v = e.a === u ? e.b : e.a;
        if (ordre[v] === -1) {
          ordre[v] = bas[v] = t++;
          pile.push([v, eid, 0]);
        } else bas[u] = Math.min(bas[u], ordre[v]);
      } else {
        pile.pop();
        if (pile.length) {
          const p = pile[pile.length - 1][0];
          bas[p] = Math.min(bas[p], bas[u]);
          if (bas[u] > ordre[p]) resultat.add(entree);
        }
      }
    }
  }
  return resultat;
}

/** Cheapest path from `de` to `vers` without edge `sauf`: unknown edges cost 0, published cells their cost, published
 * totals cannot be used. Returns the published cell edges on it, or null when there is no such path. */
function cheminLeMoinsCher(nNoeuds: number, aretes: Arete[], adj: number[][], de: number, vers: number, sauf: number): Arete[] | null {
  const dist = new Array<number>(nNoeuds).fill(Infinity);
  const par = new Array<number>(nNoeuds).fill(-1);
  dist[de] = 0;
  // binary heap of [distance, node]
  const tas: [number, number][] = [[0, de]];
  const pousser = (x: [number, number]) => {
    tas.push(x);
    let i = tas.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (tas[p][0] <= tas[i][0]) break;
      [tas[p], tas[i]] = [tas[i], tas[p]];
      i = p;
    }
  };
  const extraire = (): [number, number] => {
    const top = tas[0];
    const dernier = tas.pop()!;
    if (tas.length) {
      tas[0] = dernier;
      let i = 0;
      for (;;) {
        const g = 2 * i + 1, d = g + 1;
        let m = i;
        if (g < tas.length && tas[g][0] < tas[m][0]) m = g;
        if (d < tas.length && tas[d][0] < tas[m][0]) m = d;
        if (m === i) break;
        [tas[m], tas[i]] = [tas[i], tas[m]];
        i = m;
      }
    }
    return top;
  };
  while (tas.length) {
    const [d, u] = extraire();
    if (d > dist[u]) continue;
    if (u === vers) break;
    for (const eid of adj[u]) {
      if (eid === sauf) continue;
      const e = aretes[eid];
      if (!e.inconnue && e.cellule < 0) continue;
      const v = e.a === u ? e.b : e.a;
      const nd = d + (e.inconnue ? 0 : e.cout);
      if (nd < dist[v]) {
        dist[v] = nd;
        par[v] = eid;
        pousser([nd, v]);
      }
    }
  }
  if (dist[vers] === Infinity) return null;
  const publiees: Arete[] = [];
  for (let v = vers; v !== de; ) {
    const e = aretes[par[v]];
    if (!e.inconnue) publiees.push(e);
    v = e.a === v ? e.b : e.a;
  }
  return publiees;
}

export function secretSecondaire(cellules: readonly Cellule[]): ResultatSecretSecondaire {
  const noeuds = new Map<string, number>([['', 0]]); // node 0: G
  const noeud = (id: string) => {
    let n = noeuds.get(id);
    if (n === undefined) noeuds.set(id, (n = noeuds.size));
    return n;
  };
  const aretes: Arete[] = [];
  const lignes = new Map<string, boolean>();
  // cells in key order: the outcome does not depend on the order the database returned them in
  const ordre = cellules.map((_, i) => i).sort((i, j) => (cellules[i].cle < cellules[j].cle ? -1 : cellules[i].cle > cellules[j].cle ? 1 : 0));
  for (const i of ordre) {
    const c = cellules[i];
    for (const l of c.lignes) {
      const deja = lignes.get(l.id);
      if (deja !== undefined && deja !== l.publie) throw new Error(`ligne ${l.id} : publiée et secrète à la fois`);
      lignes.set(l.id, l.publie);
    }
    const a = noeud(c.lignes[0].id);
    const b = c.lignes.length === 2 ? noeud(c.lignes[1].id) : 0;
    aretes.push({ id: aretes.length, a, b, cellule: i, inconnue: c.secret, cout: Math.max(0, c.cout) + 1 });
  }
  for (const [id, publie] of [...lignes].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    aretes.push({ id: aretes.length, a: 0, b: noeud(id), cellule: -1, ligne: id, inconnue: !publie, cout: Infinity });
  }
  const n = noeuds.size;
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const e of aretes) { adj[e.a].push(e.id); adj[e.b].push(e.id); }

  const secondaires = new Set<number>();
  const exposees = new Set<number>();
  // a withheld value to protect: a primary-secret cell or a withheld total
  const aProteger = (e: Arete) => e.inconnue && !secondaires.has(e.id) && !exposees.has(e.id);
  for (;;) {
    const p = ponts(n, aretes, (e) => e.inconnue);
    const cible = [...p].map((id) => aretes[id]).filter(aProteger).sort((x, y) => x.id - y.id)[0];
    if (!cible) break;
    const chemin = cheminLeMoinsCher(n, aretes, adj, cible.a, cible.b, cible.id);
    if (!chemin || chemin.length === 0) {
      exposees.add(cible.id);
      continue;
    }
    for (const e of chemin) {
      e.inconnue = true;
      secondaires.add(e.id);
    }
  }
  return {
    secondaires: [...secondaires].map((id) => cellules[aretes[id].cellule].cle).sort(),
    exposees: [...exposees].map((id) => aretes[id].ligne ?? cellules[aretes[id].cellule].cle).sort(),
  };
}

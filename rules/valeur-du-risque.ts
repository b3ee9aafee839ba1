/**
 * Valeur du risque at coûts moyens, CSS D.242-6-4 to D.242-6-7: Σ over the three reference years and the
 * categories of the number of claims × the coût moyen of the establishment's CTN for the rate year.
 */
import { ZERO, type Decimal } from './decimal.ts';
import {
  categoriesAttendues, type BaremeAnnee, type CategorieCout, type CategorieIP, type CategorieIT, type Ctn, type TableCouts,
} from './bareme.ts';
import { categorieIP, categorieIT } from './categories.ts';
import { exclusion, partImputee, type SinistreImpute } from './imputation.ts';
import { RegleError } from './explication.ts';

export interface LigneCategorie {
  categorie: CategorieIT | CategorieIP;
  /** cost line used: the category itself, or the BTP group for IP ≥ 10 % */
  categorie_cout: CategorieCout;
  table: TableCouts;
  /** number of claims, weighted by their share */
  nombre: string;
  cout_moyen: string;
  montant: string;
}

export interface DetailAnnee {
  annee: number;
  masse_salariale: string;
  valeur_du_risque: string;
  categories: LigneCategorie[];
}

export interface ValeurDuRisque {
  total: Decimal;
  masseTotale: Decimal;
  annees: DetailAnnee[];
  /** claims left out, with the reason */
  ecartes: { id?: string; annee: number; motif: string; reference: string }[];
  /** temp workers' claims: the share of each charged category and the rule that gave it (R.242-6-1) */
  interim: LigneInterim[];
}

export interface LigneInterim {
  id?: string;
  annee: number;
  categorie: CategorieIT | CategorieIP;
  part: string;
  regle: string;
  reference: string;
}

export interface ContexteCouts {
  bareme: BaremeAnnee;
  ctn: Ctn;
  codeRisque: string;
  alsaceMoselle: boolean;
}

/**
 * The coût moyen of a category for the establishment (CSS D.242-6-6 and the yearly annex 2): the CTN's table;
 * in the BTP outside Alsace-Moselle, IP ≥ 10 % and deaths take the cost of the code's activity group
 * (gros œuvre, second œuvre, fonctions support); BTP in Alsace-Moselle keeps IP2–IP4 from its own table (B-AM).
 */
export function coutMoyen(ctx: ContexteCouts, categorie: CategorieIT | CategorieIP): { table: TableCouts; categorieCout: CategorieCout; montant: Decimal } {
  const { bareme, ctn } = ctx;
  let table: TableCouts = ctn;
  let categorieCout: CategorieCout = categorie;
  if (ctn === 'B' && (categorie === 'IP2' || categorie === 'IP3' || categorie === 'IP4')) {
    if (ctx.alsaceMoselle) table = 'B-AM';
    else {
      const groupe = bareme.groupesBtp.get(ctx.codeRisque);
      if (!groupe) {
        throw new RegleError(`groupe d'activité BTP (gros œuvre, second œuvre, fonctions support) inconnu pour le code risque ${ctx.codeRisque} : coût moyen des IP ≥ 10 % indéterminé`);
      }
      categorieCout = groupe;
    }
  }
  const montant = bareme.coutsMoyens.get(table)?.get(categorieCout);
  if (!montant) throw new RegleError(`coût moyen ${bareme.annee} manquant : CTN ${table}, ${categorieCout}`);
  return { table, categorieCout, montant };
}

/** The rule refuses an individual or mixed rate whose CTN has no complete coûts moyens for the rate year. */
export function verifierCoutsMoyens(ctx: ContexteCouts): void {
  const tables: TableCouts[] = ctx.ctn === 'B' && ctx.alsaceMoselle ? ['B', 'B-AM'] : [ctx.ctn];
  for (const table of tables) {
    const attendues = categoriesAttendues(table).filter((c) => !(table === 'B' && ctx.alsaceMoselle && c.startsWith('BTP_')));
    const manquantes = attendues.filter((c) => !ctx.bareme.coutsMoyens.get(table)?.get(c));
    if (manquantes.length === attendues.length) throw new RegleError(`coûts moyens ${ctx.bareme.annee} du CTN ${table} non chargés : taux individuel ou mixte incalculable`);
    if (manquantes.length) throw new RegleError(`coûts moyens ${ctx.bareme.annee} du CTN ${table} incomplets (${manquantes.join(', ')}) : taux individuel ou mixte incalculable`);
  }
}

export function valeurDuRisque(
  ctx: ContexteCouts,
  annees: number[],
  masses: Map<number, Decimal>,
  sinistres: SinistreImpute[],
): ValeurDuRisque {
  verifierCoutsMoyens(ctx);
  const parAnnee = new Map<number, Map<string, { ligne: Omit<LigneCategorie, 'nombre' | 'montant'>; nombre: Decimal; cout: Decimal }>>();
  for (const a of annees) parAnnee.set(a, new Map());
  const ecartes: ValeurDuRisque['ecartes'] = [];

  const charger = (annee: number, categorie: CategorieIT | CategorieIP, part: Decimal) => {
    const { table, categorieCout, montant } = coutMoyen(ctx, categorie);
    const lignes = parAnnee.get(annee)!;
    const key = `${categorie}/${categorieCout}`;
    const l = lignes.get(key) ?? { ligne: { categorie, categorie_cout: categorieCout, table, cout_moyen: montant.toString() }, nombre: ZERO, cout: montant };
    l.nombre = l.nombre.plus(part);
    lignes.set(key, l);
  };

  const interim: LigneInterim[] = [];
  for (const s of sinistres) {
    if (!parAnnee.has(s.annee)) {
      ecartes.push({ id: s.id, annee: s.annee, motif: `année ${s.annee} hors de la période de référence ${annees[0]}–${annees.at(-1)}`, reference: 'CSS art. D242-6-4' });
      continue;
    }
    const exclu = exclusion(s);
    if (exclu) {
      ecartes.push({ id: s.id, annee: s.annee, ...exclu });
      continue;
    }
    // CSS D.242-6-7: a claim with an IT then an IP is charged in both categories
    const categories: (CategorieIT | CategorieIP)[] = [];
    if (s.categorieIt) categories.push(s.categorieIt);
    else if (s.joursArret != null) categories.push(categorieIT(s.joursArret));
    const tauxIp = s.tauxIp ?? ZERO;
    if (s.categorieIp) categories.push(s.categorieIp);
    else if (tauxIp.gt(0) || s.deces) categories.push(categorieIP(tauxIp, !!s.deces));
    let charge = false;
    const references = new Set<string>();
    for (const categorie of categories) {
      const { part, etape } = partImputee(s, ctx.bareme.annee, categorie);
      if (etape) {
        interim.push({ id: s.id, annee: s.annee, categorie, part: part.toString(), regle: etape.regle, reference: etape.reference });
        references.add(etape.reference);
      }
      if (part.lte(ZERO)) continue;
      charger(s.annee, categorie, part);
      charge = true;
    }
    if (!charge && categories.length) ecartes.push({ id: s.id, annee: s.annee, motif: `part imputée nulle (${categories.join(', ')})`, reference: [...references].join(' ; ') || 'CSS art. D242-6-7' });
  }

  const ordre = ['IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6', 'IP1', 'IP2', 'IP3', 'IP4'];
  let total = ZERO;
  let masseTotale = ZERO;
  const detail: DetailAnnee[] = annees.map((annee) => {
    const masse = masses.get(annee) ?? ZERO;
    masseTotale = masseTotale.plus(masse);
    let vr = ZERO;
    const categories = [...parAnnee.get(annee)!.values()]
      .sort((a, b) => ordre.indexOf(a.ligne.categorie) - ordre.indexOf(b.ligne.categorie))
      .map((l) => {
        const montant = l.nombre.times(l.cout);
        vr = vr.plus(montant);
        return { ...l.ligne, nombre: l.nombre.toString(), montant: montant.toString() };
      });
    total = total.plus(vr);
    return { annee, masse_salariale: masse.toString(), valeur_du_risque: vr.toString(), categories };
  });
  return { total, masseTotale, annees: detail, ecartes, interim };
}

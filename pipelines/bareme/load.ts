/** Reads the barème of one rate year from the database into the plain values the rules take. */
import type { Knex } from 'knex';
import { D } from '../../rules/decimal.ts';
import type {
  BaremeAnnee, CategorieCout, CodeRisque, Ctn, GroupeBtp, Particularite, TableCouts, TauxCollectif,
} from '../../rules/bareme.ts';

export async function chargerBareme(knex: Knex, annee: number): Promise<BaremeAnnee> {
  const [codes, taux, maj, couts, marques, groupes] = await Promise.all([
    knex('code_risque').select('code_risque', 'ctn', 'particularite', 'libelle'),
    knex('bareme_taux_collectif').where({ annee }).select('code_risque', 'zone', 'taux_net', 'collectif_quel_que_soit_effectif', 'source'),
    knex('bareme_majorations').where({ annee }).first(),
    knex('bareme_cout_moyen').where({ annee }).select('ctn', 'categorie', 'montant', 'source'),
    // latest published D.242-6-14 mark of every code, for years whose source does not publish it
    knex('bareme_taux_collectif')
      .whereNotNull('collectif_quel_que_soit_effectif')
      .where('annee', '<=', annee)
      .distinctOn('code_risque')
      .orderBy([{ column: 'code_risque' }, { column: 'annee', order: 'desc' }])
      .select('code_risque', 'annee', 'collectif_quel_que_soit_effectif'),
    knex('groupe_btp').select('code_risque', 'groupe'),
  ]);
  const bareme: BaremeAnnee = {
    annee,
    tauxCollectifs: new Map(),
    tauxCollectifsAlsaceMoselle: new Map(),
    codes: new Map(),
    coutsMoyens: new Map(),
    sourcesCoutsMoyens: new Map(),
    marquesTcConnues: new Map(),
    groupesBtp: new Map(),
  };
  for (const c of codes) {
    const code: CodeRisque = { code: c.code_risque, ctn: (c.ctn as Ctn) ?? null, particularite: c.particularite as Particularite, libelle: c.libelle };
    bareme.codes.set(c.code_risque, code);
  }
  for (const t of taux) {
    const v: TauxCollectif = { taux: D(t.taux_net), collectifQuelQueSoitEffectif: t.collectif_quel_que_soit_effectif, source: t.source };
    (t.zone === 'alsace_moselle' ? bareme.tauxCollectifsAlsaceMoselle : bareme.tauxCollectifs).set(t.code_risque, v);
  }
  if (maj) {
    bareme.majorations = {
      m1: D(maj.m1), m2: D(maj.m2), m3: D(maj.m3), m4: D(maj.m4),
      tnmn: maj.tnmn == null ? undefined : D(maj.tnmn),
      source: maj.source,
    };
  }
  for (const c of couts) {
    const table = c.ctn as TableCouts;
    if (!bareme.coutsMoyens.has(table)) bareme.coutsMoyens.set(table, new Map());
    bareme.coutsMoyens.get(table)!.set(c.categorie as CategorieCout, D(c.montant));
    const prev = bareme.sourcesCoutsMoyens.get(table);
    if (!prev) bareme.sourcesCoutsMoyens.set(table, c.source);
  }
  for (const m of marques) bareme.marquesTcConnues.set(m.code_risque, { valeur: m.collectif_quel_que_soit_effectif, annee: m.annee });
  for (const g of groupes) bareme.groupesBtp.set(g.code_risque, g.groupe as GroupeBtp);
  return bareme;
}

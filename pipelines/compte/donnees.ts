/**
 * What an account may read. Every query joins compte_siren on the signed-in account (or, for an agent, is one of
 * the agent's own queries): an identifier taken from a URL only narrows a result already limited to the account's
 * SIRENs, it never widens it. A SIRET outside the account reads exactly like a SIRET that does not exist.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Knex } from 'knex';
import type { Etape } from '../../rules/explication.ts';

/** Whose data: an employer account (scoped to its SIRENs) or an agent (every establishment, read-only). */
export type Portee = { compteId: number; agent?: false } | { agent: true; compteId: number };

/** Restricts a query on a table holding `siren` (alias.siren) to the account's SIRENs. */
function borner(q: Knex.QueryBuilder, p: Portee, colonneSiren: string): Knex.QueryBuilder {
  if (p.agent) return q;
  return q.join('compte_siren as cs', function () {
    this.on('cs.siren', '=', colonneSiren).andOnVal('cs.compte_id', '=', p.compteId);
  });
}

export async function etablissementsDuCompte(knex: Knex, p: Portee) {
  return borner(knex('etablissement as e'), p, 'e.siren')
    .leftJoin('entreprise as en', 'en.siren', 'e.siren')
    .orderBy(['e.siren', 'e.siret'])
    .select('e.siret', 'e.siren', 'e.nom', 'e.commune', 'en.raison_sociale');
}

export async function etablissement(knex: Knex, p: Portee, siret: string) {
  if (!/^\d{14}$/.test(siret)) return null;
  return (await borner(knex('etablissement as e'), p, 'e.siren')
    .leftJoin('entreprise as en', 'en.siren', 'e.siren')
    .where('e.siret', siret)
    .first('e.siret', 'e.siren', 'e.nom', 'e.adresse', 'e.code_postal', 'e.commune', 'e.alsace_moselle', 'en.raison_sociale')) ?? null;
}

export interface TauxAnnee {
  annee: number;
  siret: string;
  code_risque: string;
  section: string;
  mode: string | null;
  taux: string;
  debut: string;
  fin: string;
  origine: 'campagne' | 'historique';
  explication: Etape[] | null;
}

/**
 * The rates of the last `annees` rate years up to `jusqua`: the decision in force of each validated campaign, else
 * the imported history of notified rates. A rate applies to the calendar year it was fixed for.
 */
export async function tauxRecents(knex: Knex, p: Portee, filtre: { siret?: string; jusqua?: number; annees?: number } = {}): Promise<TauxAnnee[]> {
  const jusqua = filtre.jusqua ?? (await derniereAnnee(knex));
  if (!jusqua) return [];
  const depuis = jusqua - (filtre.annees ?? 3) + 1;
  const camp = borner(knex('campagne_taux_courant as t'), p, 't.siren')
    .join('campagne as c', function () {
      this.on('c.annee', '=', 't.annee').andOnVal('c.statut', '=', 'validee');
    })
    .where('t.statut', 'calcule').where('t.notifie', true)
    .whereBetween('t.annee', [depuis, jusqua])
    .select('t.annee', 't.siret', 't.code_risque', 't.section', 't.mode', 't.taux_notifie as taux', 't.explication');
  if (filtre.siret) camp.where('t.siret', filtre.siret);
  const hist = borner(knex('taux_notifie as h'), p, 'h.siren')
    .join('etablissement_section as s', function () {
      this.on('s.siret', '=', 'h.siret').andOn('s.code_risque', '=', 'h.code_risque');
    })
    .whereBetween('h.annee', [depuis, jusqua])
    .whereNotExists(function () {
      this.select(1).from('campagne_taux as x').join('campagne as xc', 'xc.annee', 'x.annee')
        .whereRaw("xc.statut = 'validee' and x.annee = h.annee and x.siret = h.siret and x.code_risque = h.code_risque");
    })
    .select('h.annee', 'h.siret', 'h.code_risque', 's.section', 'h.taux');
  if (filtre.siret) hist.where('h.siret', filtre.siret);
  const [a, b]: Record<string, any>[][] = await Promise.all([camp, hist]);
  const validite = (annee: number) => ({ debut: `${annee}-01-01`, fin: `${annee}-12-31` });
  const lignes = [
    ...a.map((r) => ({ ...r, ...validite(r.annee), origine: 'campagne', explication: typeof r.explication === 'string' ? JSON.parse(r.explication) : r.explication })),
    ...b.map((r) => ({ ...r, ...validite(r.annee), mode: null, origine: 'historique', explication: null })),
  ] as TauxAnnee[];
  return lignes.sort((x, y) => y.annee - x.annee || x.siret.localeCompare(y.siret) || x.code_risque.localeCompare(y.code_risque));
}

export async function derniereAnnee(knex: Knex): Promise<number | null> {
  const r = await knex('campagne').where({ statut: 'validee' }).max<{ m: number | null }[]>('annee as m');
  return r[0]?.m ?? null;
}

export interface SinistreAffiche {
  annee: number;
  date_accident: string;
  nature: string;
  imputation: string;
  categorie_it: string | null;
  categorie_ip: string | null;
  jours_arret: number | null;
  taux_ip: string | null;
  part_it: string;
  part_ip: string | null;
  cout_moyen_it: string | null;
  cout_moyen_ip: string | null;
  campagne: number | null;
}

/**
 * The claims charged to an establishment, per imputation year (the view sinistre_impute: no name, no NIR is
 * stored anywhere), with the coûts moyens read from the stored explanation of the latest validated campaign that
 * used that year.
 */
export async function sinistres(knex: Knex, p: Portee, siret: string): Promise<SinistreAffiche[]> {
  const rows = await borner(knex('sinistre_impute as si'), p, 'si.siren')
    .join('sinistre_version as v', function () {
      this.on('v.sinistre_id', '=', 'si.sinistre_id').andOn('v.numero', '=', 'si.version');
    })
    .where('si.siret', siret)
    .orderBy([{ column: 'si.annee', order: 'desc' }, 'v.date_accident'])
    .select('si.annee', 'v.date_accident', 'si.nature', 'si.imputation', 'si.categorie_it', 'si.categorie_ip', 'v.jours_arret', 'v.taux_ip', 'si.part_it', 'si.part_ip');
  if (!rows.length) return [];
  const taux = await tauxRecents(knex, p, { siret, annees: 6 });
  const couts = (annee: number): { campagne: number; cout: Map<string, string> } | null => {
    for (const t of taux) {
      if (t.origine !== 'campagne' || t.annee < annee + 2 || t.annee > annee + 4) continue;
      const vr = t.explication?.find((e) => e.id === 'valeur_du_risque');
      const a = (vr?.detail as { annees?: { annee: number; categories: { categorie: string; cout_moyen: string }[] }[] } | undefined)?.annees?.find((x) => x.annee === annee);
      if (a) return { campagne: t.annee, cout: new Map(a.categories.map((c) => [c.categorie, c.cout_moyen])) };
    }
    return null;
  };
  return rows.map((r: Record<string, any>) => {
    const c = couts(r.annee);
    return {
      ...r,
      cout_moyen_it: r.categorie_it ? (c?.cout.get(r.categorie_it) ?? null) : null,
      cout_moyen_ip: r.categorie_ip ? (c?.cout.get(r.categorie_ip) ?? null) : null,
      campagne: c?.campagne ?? null,
    };
  });
}

/** The notification of year N addressed to the account (never another recipient's), with its sections. */
export async function notificationDuCompte(knex: Knex, compteId: number, annee: number) {
  const n = await knex('notification as n')
    .join('notification_compte as nc', function () {
      this.on('nc.annee', '=', 'n.annee').andOn('nc.destinataire_siren', '=', 'n.destinataire_siren');
    })
    .join('compte as c', function () {
      this.on('c.siren', '=', 'n.destinataire_siren').andOnVal('c.role', '=', 'employeur');
    })
    .where('c.id', compteId).where('n.annee', annee)
    .first('n.annee', 'n.destinataire_siren', 'n.raison_sociale', 'n.sirets', 'n.pdf_chemin', 'n.pdf_sha256', 'n.etablissements');
  return n ?? null;
}

/**
 * What an account may read. Every query joins compte_siren on the signed-in account (or, for an agent, is one of
 * the agent's own queries): an identifier taken from a URL only narrows a result already limited to the account's
 * SIRENs, it never widens it. A SIRET outside the account reads exactly like a SIRET that does not exist.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Knex } from 'knex';
import type { Etape } from '../../rules/explication.ts';
import { validitesTaux } from '../bareme/validite.ts';
import { D } from '../../rules/decimal.ts';
import { exclusion, partImputee, type SinistreImpute } from '../../rules/imputation.ts';
import { calendriers, normaliser } from '../decisions/store.ts';
import { fr, LIBELLE_NATURE } from '../decisions/historique.ts';

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
 * the imported history of notified rates, each with the validity period its barème states.
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
  // the validity period the barème states (1 January–31 December unless an arrêté says otherwise: 2025 from 1 May)
  const periodes = await validitesTaux(knex, [...a, ...b].map((r) => Number(r.annee)));
  const validite = (annee: number) => periodes.get(Number(annee)) ?? { debut: `${annee}-01-01`, fin: `${annee}-12-31` };
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
  annee_ip: number;
  jours_arret: number | null;
  taux_ip: string | null;
  part_it: string | null;
  part_ip: string | null;
  cout_moyen_it: string | null;
  cout_moyen_ip: string | null;
}

/**
 * The claims charged to an establishment, per imputation year: the facts of the view sinistre_impute (no name, no
 * NIR is stored anywhere), the exclusions and shares decided by rules/imputation.ts (trajet, compte spécial and
 * inopposable claims are not charged; a temp worker's claim appears on the user establishment only when it bears a
 * share), and the coûts moyens read from the stored explanation of the latest validated campaign that used the year.
 */
export async function sinistres(knex: Knex, p: Portee, siret: string): Promise<SinistreAffiche[]> {
  const rows: Record<string, any>[] = await borner(knex('sinistre_impute as si'), p, 'si.siren')
    .join('sinistre_version as v', function () {
      this.on('v.sinistre_id', '=', 'si.sinistre_id').andOn('v.numero', '=', 'si.version');
    })
    .where('si.siret', siret)
    .orderBy([{ column: 'si.annee', order: 'desc' }, 'v.date_accident'])
    .select('si.annee', 'si.annee_ip', 'v.date_accident', 'si.nature', 'si.imputation', 'si.categorie_it', 'si.categorie_ip', 'v.jours_arret', 'v.taux_ip',
      'si.part_tiers', 'si.interim', 'si.procedure_collective', 'si.compte_special', 'si.inopposable');
  if (!rows.length) return [];
  const taux = await tauxRecents(knex, p, { siret, annees: 7 });
  const couts = (annee: number): Map<string, string> | null => {
    for (const t of taux) {
      if (t.origine !== 'campagne' || t.annee < annee + 2 || t.annee > annee + 4) continue;
      const vr = t.explication?.find((e) => e.id === 'valeur_du_risque');
      const a = (vr?.detail as { annees?: { annee: number; categories?: { categorie: string; cout_moyen: string }[] }[] } | undefined)?.annees?.find((x) => x.annee === annee);
      if (a?.categories) return new Map(a.categories.map((c) => [c.categorie, c.cout_moyen]));
    }
    return null;
  };
  const liste: SinistreAffiche[] = [];
  for (const r of rows) {
    const faits: SinistreImpute = {
      annee: r.annee, nature: r.nature, partTiers: D(r.part_tiers ?? '0'), interim: r.interim ?? undefined,
      procedureCollective: r.procedure_collective, compteSpecial: r.compte_special, inopposable: r.inopposable,
    };
    if (exclusion(faits)) continue;
    const partIT = r.categorie_it ? partImputee(faits, r.annee + 2, r.categorie_it).part : null;
    const partIP = r.categorie_ip ? partImputee({ ...faits, annee: r.annee_ip }, r.annee_ip + 2, r.categorie_ip).part : null;
    if (r.imputation === 'utilisateur' && !partIT?.gt(0) && !partIP?.gt(0)) continue;
    liste.push({
      annee: r.annee, date_accident: r.date_accident, nature: r.nature, imputation: r.imputation,
      categorie_it: r.categorie_it, categorie_ip: r.categorie_ip, annee_ip: r.annee_ip, jours_arret: r.jours_arret, taux_ip: r.taux_ip,
      part_it: partIT ? partIT.toString() : null, part_ip: partIP ? partIP.toString() : null,
      cout_moyen_it: r.categorie_it ? (couts(r.annee)?.get(r.categorie_it) ?? null) : null,
      cout_moyen_ip: r.categorie_ip ? (couts(r.annee_ip)?.get(r.categorie_ip) ?? null) : null,
    });
  }
  return liste;
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
    .where('c.id', compteId).where('n.annee', annee).where('n.lot', 'campagne')
    .first('n.annee', 'n.destinataire_siren', 'n.raison_sociale', 'n.sirets', 'n.pdf_chemin', 'n.pdf_sha256', 'n.etablissements');
  return n ?? null;
}

/**
 * The history of an establishment's rate decisions (campaign, rectifications, ristournes, cotisations
 * supplémentaires, decisions during the year), scoped to the account like every other read: which rate applied
 * when, and why, per year, code risque and section, latest year first.
 */
export async function historiqueDecisionsCompte(knex: Knex, p: Portee, siret: string) {
  if (!/^\d{14}$/.test(siret)) return [];
  const lignes = await borner(knex('decision_taux as d'), p, 'd.siren').where('d.siret', siret).orderBy('d.id').select('d.*');
  return calendriers(lignes.map(normaliser))
    .sort((a, b) => b.annee - a.annee || a.code_risque.localeCompare(b.code_risque) || a.section.localeCompare(b.section))
    .map((c) => ({
      annee: c.annee,
      code_risque: c.code_risque,
      section: c.section,
      periodes: c.segments.map((s) => {
        const d = c.decisions.find((x) => x.id === (s.ajustements.at(-1) ?? s.base))!;
        return { debut: fr(s.debut), fin: fr(s.fin), taux: s.taux.toFixed(2), nature: LIBELLE_NATURE[s.nature] ?? s.nature, motif: d.motif };
      }),
      decisions: c.decisions.map((d) => ({
        numero: d.id,
        nature: LIBELLE_NATURE[d.nature] ?? d.nature,
        taux: String(d.taux),
        debut: fr(d.debut),
        fin: fr(d.fin),
        motif: d.motif,
        base_legale: d.base_legale,
        remplace: d.remplace_id,
        notifiee_le: d.notifiee_le ? fr(String(d.notifiee_le).slice(0, 10)) : null,
      })),
    }));
}

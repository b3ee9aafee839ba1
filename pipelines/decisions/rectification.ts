/**
 * Rectifications (`atmp rectification detecter|appliquer`): the notified rates whose inputs changed since they
 * were decided (a claim made inopposable, recategorised or withdrawn; a corrected masse salariale), recomputed with
 * the campaign's own code (lireLot + tarifierEntreprise) year after year in order, since a rectified rate N is the
 * écrêtement base of N+1. A final rate is rectified only on a court decision (rules/rectification.ts). Applying
 * records a new campagne_taux decision (remplace_decision) and a decision_taux 'rectification'; run again, it finds
 * nothing left to change.
 */
import type { Knex } from 'knex';
import type { Db } from '../../lib/db.ts';
import { UserError } from '../../lib/errors.ts';
import { D } from '../../rules/decimal.ts';
import { runSql } from '../../lib/sql.ts';
import { chargerBareme } from '../bareme/load.ts';
import { empreinteBareme, ligneEnBase, lireLot } from '../campagne/run.ts';
import { tarifierEntreprise, type LigneTaux } from '../campagne/tarifier.ts';
import { LIBELLE_MOTIF, rectifiable, tauxDefinitif, type MotifRectification } from '../../rules/rectification.ts';
import type { Etape } from '../../rules/explication.ts';
import { enregistrerDecision, normaliser, type LigneDecision } from './store.ts';

export interface EntreeModifiee { etape: string; avant: string | null; apres: string | null }
export interface SinistreModifie { sinistre_id: string; version: number; extraction: string; changement: string }

export interface LigneRectification {
  annee: number;
  siret: string;
  siren: string;
  code_risque: string;
  section: string;
  ancien_taux: string;
  nouveau_taux: string;
  entrees: EntreeModifiee[];
  sinistres: SinistreModifie[];
  bareme_modifie: boolean;
  notifiee_le: string | null;
  recours: boolean;
  definitif: boolean;
  statut: 'rectifie' | 'a_rectifier' | 'definitif_non_rectifie';
  /** the base decision replaced, and the campaign row it stands for */
  decision: number | null;
  campagne_decision: number;
  /** filled in by appliquer */
  nouvelle_decision?: number;
}

export interface OptionsRectification {
  annee?: number;
  siret?: string;
  /** the reason: a court decision rectifies even final rates; the others do not. Default: reexamen-caisse. */
  motif?: MotifRectification;
  /** ISO date the finality is judged at (default today) */
  aujourdhui?: string;
}

/** The steps compared between the stored explanation and the recomputed one (inputs, not derived figures). */
const ETAPES_ENTREES = ['effectif', 'mode', 'taux_collectif', 'valeur_du_risque', 'taux_brut', 'fraction', 'taux_precedent', 'ecretement'];

function entreesModifiees(avant: Etape[] | null, apres: Etape[]): EntreeModifiee[] {
  const v = new Map((avant ?? []).map((e) => [e.id, e]));
  const out: EntreeModifiee[] = [];
  for (const id of ETAPES_ENTREES) {
    const a = v.get(id);
    const b = apres.find((e) => e.id === id);
    if (!a && !b) continue;
    if (id === 'valeur_du_risque' && a?.entrees?.masse_salariale !== b?.entrees?.masse_salariale) {
      out.push({ etape: 'masse_salariale', avant: court(a?.entrees?.masse_salariale), apres: court(b?.entrees?.masse_salariale) });
    }
    if (a?.valeur !== b?.valeur) out.push({ etape: id, avant: court(a?.valeur), apres: court(b?.valeur) });
  }
  return out;
}

/** A full-precision figure shown to 6 decimals at most. */
const court = (v: string | undefined) => (v === undefined ? null : /^-?\d+\.\d{7,}$/.test(v) ? D(v).toDecimalPlaces(6).toString() : v);

function changementSinistre(r: any): string {
  const c: string[] = [];
  if (r.inopposable && !r.avant_inopposable) c.push('déclaré inopposable');
  if (!r.inopposable && r.avant_inopposable) c.push('de nouveau opposable');
  if (r.compte_special && !r.avant_compte_special) c.push('inscrit au compte spécial');
  if (r.nature !== r.avant_nature && r.avant_nature) c.push(`nature ${r.avant_nature} → ${r.nature}`);
  if ((r.categorie_it ?? null) !== (r.avant_categorie_it ?? null)) c.push(`IT ${r.avant_categorie_it ?? '—'} → ${r.categorie_it ?? '—'}`);
  if ((r.categorie_ip ?? null) !== (r.avant_categorie_ip ?? null)) c.push(`IP ${r.avant_categorie_ip ?? '—'} → ${r.categorie_ip ?? '—'}`);
  if (r.numero === 1) c.push('nouveau sinistre');
  return c.join(', ');
}

/** Date each establishment's rate of year N was notified: recorded on the decision, else the outbox ledger. */
async function datesNotification(knex: Knex, annee: number): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  try {
    const r = await knex.raw(
      `select unnest(sirets) as siret, coalesce(reputee_notifiee_le, (envoyee_le + interval '15 days')::date) as le
       from notification where annee = ? and (reputee_notifiee_le is not null or envoyee_le is not null)`,
      [annee],
    );
    for (const x of r.rows) m.set(x.siret, String(x.le instanceof Date ? x.le.toISOString() : x.le).slice(0, 10));
  } catch {
    /* the outbox ledger has another shape: only the dates recorded on the decisions count */
  }
  return m;
}

const aujourdhuiIso = () => new Date().toISOString().slice(0, 10);

/** Plans the rectifications (read-only). Every validated campaign from --annee on, in year order. */
export async function planifierRectifications(db: Db, o: OptionsRectification = {}): Promise<LigneRectification[]> {
  const { knex } = db;
  const motif = o.motif ?? 'reexamen-caisse';
  const aujourdhui = o.aujourdhui ?? aujourdhuiIso();
  const annees = (await knex('campagne').where({ statut: 'validee' }).where('annee', '>=', o.annee ?? 0).orderBy('annee').select('annee')).map((r: { annee: number }) => r.annee);
  if (o.annee !== undefined && !annees.includes(o.annee)) throw new UserError(`campagne ${o.annee} non validée : rien à rectifier`);
  const lignes: LigneRectification[] = [];
  // rates rectified in the plan (or kept), year by year: the écrêtement base of the next year
  let rectifiesPrecedents = new Map<string, string>();
  for (const annee of annees) {
    const bareme = await chargerBareme(knex, annee);
    const empreinte = empreinteBareme(bareme);
    const notif = await datesNotification(knex, annee);
    const sirensQ = knex('campagne_taux').where({ annee }).distinct('siren').orderBy('siren');
    if (o.siret) sirensQ.where({ siren: o.siret.slice(0, 9) });
    const sirens = (await sirensQ).map((r: { siren: string }) => r.siren);
    const rectifies = new Map<string, string>();
    for (let i = 0; i < sirens.length; i += 500) {
      const lot = sirens.slice(i, i + 500);
      const donnees = await lireLot(knex, annee, lot);
      for (const d of donnees) {
        d.tauxPrecedents = d.tauxPrecedents.map((t) => ({ ...t, taux: rectifiesPrecedents.get(`${t.siret}/${t.code_risque}`) ?? t.taux }));
      }
      const calcules: LigneTaux[] = donnees.flatMap((d) => tarifierEntreprise(d, bareme));
      const actuels = await knex.raw(
        `select distinct on (siret, code_risque) * from campagne_taux where annee = ? and siren = any(?) order by siret, code_risque, decision desc`,
        [annee, `{${lot.join(',')}}`],
      );
      const parCle = new Map<string, any>(actuels.rows.map((r: any) => [`${r.siret}/${r.code_risque}`, r]));
      const candidats: { l: LigneTaux; actuel: any }[] = [];
      for (const l of calcules) {
        if (o.siret && l.siret !== o.siret) continue;
        const actuel = parCle.get(`${l.siret}/${l.code_risque}`);
        if (!actuel || actuel.statut !== 'calcule' || !actuel.notifie || !l.resultat) continue;
        if (actuel.entrees_empreinte === l.entrees_empreinte) continue;
        const nouveau = l.resultat.tauxNotifie.toFixed(2);
        if (nouveau === Number(actuel.taux_notifie).toFixed(2)) continue;
        candidats.push({ l, actuel });
      }
      if (!candidats.length) continue;
      const sirets = [...new Set(candidats.map((c) => c.l.siret))];
      const decisions = (await knex('decision_taux').where({ annee }).whereIn('siret', sirets).whereIn('nature', ['campagne', 'rectification']).orderBy('id')).map(normaliser);
      const recours = new Set((await knex('recours_taux').join('decision_taux', 'decision_taux.id', 'recours_taux.decision_id').where('decision_taux.annee', annee).whereIn('decision_taux.siret', sirets).select('siret', 'code_risque')).map((r: any) => `${r.siret}/${r.code_risque}`));
      for (const { l, actuel } of candidats) {
        const base = decisions.filter((d: LigneDecision) => d.siret === l.siret && d.code_risque === l.code_risque && d.campagne_decision === actuel.decision).at(-1);
        const notifieeLe = base?.notifiee_le ?? (base?.nature === 'campagne' ? notif.get(l.siret) ?? null : null);
        const sousRecours = recours.has(`${l.siret}/${l.code_risque}`);
        const definitif = tauxDefinitif(notifieeLe, sousRecours, aujourdhui);
        const ok = rectifiable(motif, definitif).rectifiable;
        const sin = await runSql<any>(knex, 'decisions/sinistres-modifies.sql', { sirets: [l.siret], depuis: new Date(actuel.calcule_le).toISOString() });
        lignes.push({
          annee, siret: l.siret, siren: l.siren, code_risque: l.code_risque, section: l.section,
          ancien_taux: Number(actuel.taux_notifie).toFixed(2), nouveau_taux: l.resultat!.tauxNotifie.toFixed(2),
          entrees: entreesModifiees(typeof actuel.explication === 'string' ? JSON.parse(actuel.explication) : actuel.explication, l.resultat!.explication),
          sinistres: sin.filter((r) => changementSinistre(r)).map((r) => ({ sinistre_id: r.sinistre_id, version: r.numero, extraction: String(r.date_extraction instanceof Date ? r.date_extraction.toISOString() : r.date_extraction).slice(0, 10), changement: changementSinistre(r) })),
          bareme_modifie: actuel.bareme_empreinte !== empreinte,
          notifiee_le: notifieeLe, recours: sousRecours, definitif, statut: ok ? 'a_rectifier' : 'definitif_non_rectifie',
          decision: base?.id ?? null, campagne_decision: actuel.decision,
        });
        if (ok) rectifies.set(`${l.siret}/${l.code_risque}`, l.resultat!.tauxNotifie.toFixed(2));
        (lignes.at(-1) as LigneRectification & { _ligne?: LigneTaux })._ligne = l;
        (lignes.at(-1) as LigneRectification & { _empreinte?: string })._empreinte = empreinte;
      }
    }
    rectifiesPrecedents = rectifies;
  }
  // year order first (the order the rates depend on each other), then establishment and code: the same on both backends
  return lignes.sort((a, b) => a.annee - b.annee || a.siret.localeCompare(b.siret) || a.code_risque.localeCompare(b.code_risque));
}

const BASE_LEGALE: Record<MotifRectification, string> = {
  inopposabilite: 'CSS art. D242-6-4 (sinistre inopposable retiré du compte employeur) ; CSS art. L243-6',
  'decision-justice': 'CSS art. D242-6-4 (« sans préjudice de l’application des décisions de justice ultérieures ») ; CSS art. L243-6',
  'reexamen-caisse': 'CSS art. D242-6-4 ; CSS art. R142-1-A ; CSS art. L243-6',
  'correction-donnees': 'CSS art. D242-6-4 (masse salariale et sinistres des trois dernières années connues) ; CSS art. L243-6',
};

/** Applies the plan: one new campaign row and one 'rectification' decision per rectifiable rate, in one transaction. */
export async function appliquerRectifications(db: Db, o: OptionsRectification & { motif: MotifRectification; agent: string }): Promise<LigneRectification[]> {
  const lignes = await planifierRectifications(db, o);
  await db.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-decisions']);
    for (const l of lignes) {
      const x = l as LigneRectification & { _ligne?: LigneTaux; _empreinte?: string };
      if (l.statut !== 'a_rectifier') continue;
      const numero = l.campagne_decision + 1;
      const row = { ...ligneEnBase(l.annee, x._ligne!, x._empreinte!), decision: numero, remplace_decision: l.campagne_decision };
      await trx('campagne_taux').insert(row);
      const remplacee = l.decision ? normaliser(await trx('decision_taux').where({ id: l.decision }).first()) : null;
      // the reason in words: the claims that changed, else the inputs (their values are in the explanation)
      const resume = l.sinistres.length
        ? l.sinistres.map((s) => `sinistre ${s.sinistre_id} ${s.changement}`).join(' ; ')
        : l.entrees.length ? `entrées modifiées : ${l.entrees.map((e) => e.etape.replace(/_/g, ' ')).join(', ')}` : '';
      const { decision } = await enregistrerDecision(trx, {
        siret: l.siret, siren: l.siren, code_risque: l.code_risque, section: l.section as 'principale', annee: l.annee, nature: 'rectification',
        taux: l.nouveau_taux, debut: remplacee?.debut ?? `${l.annee}-01-01`, fin: remplacee?.fin ?? `${l.annee}-12-31`,
        motif: `${LIBELLE_MOTIF[o.motif]}${resume ? ` (${resume})` : ''}`,
        base_legale: BASE_LEGALE[o.motif], remplace_id: l.decision, campagne_decision: numero, decide_par: o.agent,
        explication: [...x._ligne!.resultat!.explication, { ...rectifiable(o.motif, l.definitif).etape, detail: { ancien_taux: l.ancien_taux, entrees: l.entrees, sinistres: l.sinistres } }], entrees_empreinte: x._ligne!.entrees_empreinte,
        cle: `rectification/${l.annee}/${l.siret}/${l.code_risque}/${numero}`,
      });
      l.statut = 'rectifie';
      l.nouvelle_decision = decision.id;
    }
  });
  return lignes.map(({ ...l }) => {
    delete (l as { _ligne?: unknown })._ligne;
    delete (l as { _empreinte?: unknown })._empreinte;
    return l;
  });
}

/** Strips the internal fields of a plan for display. */
export const publiques = (ls: LigneRectification[]) => ls.map(({ ...l }) => {
  delete (l as { _ligne?: unknown })._ligne;
  delete (l as { _empreinte?: unknown })._empreinte;
  return l;
});

/** `atmp rectification urssaf`: refunds and adjustments for the URSSAF (CSS L243-6), one row per rectification. */
export async function exportUrssaf(knex: Knex, annee?: number) {
  const q = knex('decision_taux as r').join('decision_taux as a', 'a.id', 'r.remplace_id').where('r.nature', 'rectification')
    .select('r.siret', 'r.code_risque', 'r.section', 'r.debut', 'r.fin', 'a.taux as ancien_taux', 'r.taux as nouveau_taux', 'r.id as decision', 'r.decide_le', 'r.motif').orderBy('r.id');
  if (annee !== undefined) q.where('r.annee', annee);
  return (await q).map((r: any) => ({
    siret: r.siret, code_risque: r.code_risque, section: r.section, debut: iso(r.debut), fin: iso(r.fin),
    ancien_taux: Number(r.ancien_taux).toFixed(2), nouveau_taux: Number(r.nouveau_taux).toFixed(2), decision: Number(r.decision), decide_le: iso(r.decide_le), motif: r.motif,
  }));
}
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v)).slice(0, 10);

/**
 * The rate decisions ledger (table decision_taux, sql/migrations/0015_decisions.sql): recording, reading, and the
 * rate in force of a section on a date. A decision is never updated: a later one replaces it (remplace_id).
 */
import type { Knex } from 'knex';
import { D } from '../../rules/decimal.ts';
import { calendrier, type Decision, type NatureDecision, type Segment } from '../../rules/taux-en-vigueur.ts';
import { RegleError, type Etape } from '../../rules/explication.ts';
import { UserError } from '../../lib/errors.ts';

/** A rule's refusal (RegleError) told to the agent as an input error of the command. */
export const regle = <T>(f: () => T): T => {
  try {
    return f();
  } catch (e) {
    if (e instanceof RegleError) throw new UserError(e.message);
    throw e;
  }
};

export interface LigneDecision {
  id: number;
  siret: string;
  siren: string;
  code_risque: string;
  section: 'principale' | 'fsna' | 'bureau';
  annee: number;
  nature: NatureDecision;
  taux: string;
  pourcentage: string | null;
  points: string | null;
  debut: string;
  fin: string;
  motif: string;
  base_legale: string;
  remplace_id: number | null;
  campagne_decision: number | null;
  decide_par: string;
  decide_le: string | Date;
  notifiee_le: string | null;
  notification_ref: string | null;
  cout_estime: string | null;
  explication: Etape[] | null;
}

export type NouvelleDecision = Omit<LigneDecision, 'id' | 'decide_le' | 'notifiee_le' | 'notification_ref' | 'cout_estime' | 'campagne_decision' | 'explication' | 'pourcentage' | 'points' | 'remplace_id'> & {
  pourcentage?: string | null;
  points?: string | null;
  remplace_id?: number | null;
  campagne_decision?: number | null;
  cout_estime?: string | null;
  explication?: Etape[] | null;
  entrees_empreinte?: string | null;
  /** idempotence key: the same decision recorded twice is recorded once */
  cle: string;
};

/** Records a decision; returns it and whether it was new (false: the same key was already recorded). */
export async function enregistrerDecision(conn: Knex | Knex.Transaction, d: NouvelleDecision): Promise<{ decision: LigneDecision; nouvelle: boolean }> {
  const rows = await conn('decision_taux')
    .insert({ ...d, explication: d.explication ? JSON.stringify(d.explication) : null })
    .onConflict('cle').ignore().returning('*');
  if (rows.length) return { decision: normaliser(rows[0]), nouvelle: true };
  return { decision: normaliser(await conn('decision_taux').where({ cle: d.cle }).first()), nouvelle: false };
}

export function normaliser(r: any): LigneDecision {
  return {
    ...r, id: Number(r.id), remplace_id: r.remplace_id == null ? null : Number(r.remplace_id),
    debut: dateIso(r.debut), fin: dateIso(r.fin), notifiee_le: r.notifiee_le ? dateIso(r.notifiee_le) : null,
    explication: typeof r.explication === 'string' ? JSON.parse(r.explication) : r.explication,
  };
}
const dateIso = (v: string | Date) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export const versRegle = (l: LigneDecision): Decision => ({
  id: l.id, nature: l.nature, taux: D(l.taux), pourcentage: l.pourcentage == null ? null : D(l.pourcentage),
  points: l.points == null ? null : D(l.points), debut: l.debut, fin: l.fin, remplaceId: l.remplace_id,
});

export const cleSection = (l: { siret: string; code_risque: string; section: string; annee: number }) => `${l.siret}/${l.code_risque}/${l.section}/${l.annee}`;

/** Decisions of the given SIRETs (all years, or one), in recording order. */
export async function lireDecisions(conn: Knex | Knex.Transaction, filtre: { sirets?: string[]; annee?: number; siren?: string }): Promise<LigneDecision[]> {
  const q = conn('decision_taux').select('*').orderBy('id');
  if (filtre.sirets) q.whereIn('siret', filtre.sirets);
  if (filtre.annee !== undefined) q.where('annee', filtre.annee);
  if (filtre.siren) q.where('siren', filtre.siren);
  return (await q).map(normaliser);
}

export interface CalendrierSection {
  siret: string;
  siren: string;
  code_risque: string;
  section: 'principale' | 'fsna' | 'bureau';
  annee: number;
  decisions: LigneDecision[];
  segments: Segment[];
}

/** Groups decisions by section and year and computes each one's rate in force over the year. */
export function calendriers(decisions: LigneDecision[]): CalendrierSection[] {
  const toutes = decisions.map(versRegle);
  const groupes = new Map<string, LigneDecision[]>();
  for (const d of decisions) {
    const k = cleSection(d);
    const l = groupes.get(k);
    if (l) l.push(d);
    else groupes.set(k, [d]);
  }
  return [...groupes.values()].map((ds) => ({
    siret: ds[0].siret, siren: ds[0].siren, code_risque: ds[0].code_risque, section: ds[0].section, annee: ds[0].annee,
    decisions: ds, segments: calendrier(ds.map(versRegle), toutes),
  })).sort((a, b) => a.siret.localeCompare(b.siret) || a.annee - b.annee || a.code_risque.localeCompare(b.code_risque) || a.section.localeCompare(b.section));
}

/** The section's calendar for a year, and the segment in force on `date`. */
export async function enVigueur(conn: Knex | Knex.Transaction, k: { siret: string; code_risque: string; annee: number; section?: string }, date: string) {
  const ds = await lireDecisions(conn, { sirets: [k.siret], annee: k.annee });
  const cal = calendriers(ds).filter((c) => c.code_risque === k.code_risque && (!k.section || c.section === k.section));
  for (const c of cal) {
    const s = c.segments.find((x) => x.debut <= date && x.fin >= date);
    if (s) return { calendrier: c, segment: s, base: c.decisions.find((d) => d.id === s.base)! };
  }
  return null;
}

/** Records the decisions of a validated campaign (one per notified section), in the validating transaction. */
export async function enregistrerDecisionsCampagne(trx: Knex.Transaction, annee: number, agent: string): Promise<number> {
  const r = await trx.raw(
    `insert into decision_taux (siret, siren, code_risque, section, annee, nature, taux, debut, fin, motif, base_legale,
                                campagne_decision, decide_par, explication, entrees_empreinte, cle)
     select t.siret, t.siren, t.code_risque, t.section, t.annee, 'campagne', t.taux_notifie, make_date(t.annee, 1, 1),
            make_date(t.annee, 12, 31), 'campagne de tarification ' || t.annee || ' (' || t.mode || ')',
            'CSS art. D242-6-2 et suivants ; arrêté du 17 octobre 1995', t.decision, ?, t.explication, t.entrees_empreinte,
            'campagne/' || t.annee || '/' || t.siret || '/' || t.code_risque || '/' || t.decision
     from campagne_taux t
     where t.annee = ? and t.statut = 'calcule' and t.notifie and t.decision = 1
     on conflict (cle) do nothing`,
    [agent, annee],
  );
  return r.rowCount ?? 0;
}

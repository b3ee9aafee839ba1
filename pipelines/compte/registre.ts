/**
 * The electronic notification ledger (table notification_compte): a notification is made available in its
 * recipient's account, a notice e-mail says so, the first consultation is recorded once, and the notification date
 * and recours deadline follow from rules/consultation.ts. Recipients without dematerialised notification, or whose
 * e-mail was refused, stay in the paper batch of the notification pipeline.
 */
import type { Knex } from 'knex';
import { etatNotification, jourParis, recommandeAvecAccuse, type EtatNotification } from '../../rules/consultation.ts';
import { UserError } from '../../lib/errors.ts';
import { compteEmployeur } from './comptes.ts';

const jour = (v: Date | string | null | undefined): string | null => (v ? jourParis(new Date(v)) : null);

export interface MiseADisposition {
  annee: number;
  mises_a_disposition: number;
  deja: number;
  sans_compte: { siren: string; raison: string }[];
}

/**
 * Makes every dematerialised notification of year N available in its recipient's account (created if needed),
 * without any e-mail: the notice "votre notification … est disponible" is the e-mail `atmp notifications send`
 * sends (and it makes the notification available itself), so that one path only ever sends it. Safe to run again.
 */
export async function mettreADisposition(knex: Knex, annee: number, maintenant: Date): Promise<MiseADisposition> {
  const camp = await knex('campagne').where({ annee }).first('statut');
  if (!camp) throw new UserError(`aucune campagne ${annee}`);
  // rows 'a_rendre' have no PDF yet (notifications send still rendering)
  const notifs = await knex('notification').where({ annee, lot: 'campagne', dematerialisee: true }).whereNotIn('statut', ['papier', 'echec', 'a_rendre'])
    .orderBy('destinataire_siren').select('destinataire_siren', 'raison_sociale');
  if (!notifs.length) throw new UserError(`aucune notification ${annee} rendue : lancez d’abord « atmp notifications send --annee ${annee} »`);
  const r: MiseADisposition = { annee, mises_a_disposition: 0, deja: 0, sans_compte: [] };
  for (const n of notifs) {
    try {
      await compteEmployeur(knex, n.destinataire_siren);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      r.sans_compte.push({ siren: n.destinataire_siren, raison: e.message });
      continue;
    }
    const ins = await knex('notification_compte')
      .insert({ annee, destinataire_siren: n.destinataire_siren, mise_a_disposition_le: maintenant })
      .onConflict(['annee', 'destinataire_siren']).ignore().returning('annee');
    if (ins.length) r.mises_a_disposition++;
    else r.deja++;
  }
  return r;
}

export interface LigneRegistre {
  annee: number;
  destinataire_siren: string;
  raison_sociale: string;
  mise_a_disposition: string;
  premiere_consultation: string | null;
  avis_envoye: string | null;
  etat: EtatNotification;
}

function ligne(r: Record<string, unknown>, aujourdhui: string): LigneRegistre {
  const etat = etatNotification({
    miseADisposition: jour(r.mise_a_disposition_le as Date)!,
    premiereConsultation: jour(r.premiere_consultation_le as Date | null),
    aujourdhui,
  });
  return {
    annee: r.annee as number, destinataire_siren: r.destinataire_siren as string, raison_sociale: r.raison_sociale as string,
    mise_a_disposition: jour(r.mise_a_disposition_le as Date)!, premiere_consultation: jour(r.premiere_consultation_le as Date | null),
    avis_envoye: jour(r.avis_envoye_le as Date | null), etat,
  };
}

/**
 * Stores the notification dates that have become known (15 days passed without consultation). A stored date is
 * never changed afterwards.
 */
export async function actualiserEcheances(knex: Knex, maintenant: Date, annee?: number): Promise<number> {
  const q = knex('notification_compte').whereNull('notifiee_le');
  if (annee !== undefined) q.where({ annee });
  const rows = await q.select('*');
  let n = 0;
  for (const r of rows) {
    const e = etatNotification({ miseADisposition: jour(r.mise_a_disposition_le)!, premiereConsultation: jour(r.premiere_consultation_le), aujourdhui: jourParis(maintenant) });
    if (!e.notifieeLe) continue;
    n += await knex('notification_compte').where({ annee: r.annee, destinataire_siren: r.destinataire_siren }).whereNull('notifiee_le')
      .update({ notifiee_le: e.notifieeLe, notifiee_par: e.par, recours_jusqu_au: e.recoursJusquAu });
  }
  return n;
}

/**
 * First consultation of the account's notification of year N (its page or its PDF): recorded once, with the
 * notification date it fixes. Scoped to the account: only its own notification can be touched.
 */
export async function consulter(knex: Knex, compteId: number, annee: number, maintenant: Date): Promise<void> {
  // the usual case, already consulted: one read, no transaction
  const deja = await knex('notification_compte as nc')
    .join('compte as c', function () {
      this.on('c.siren', '=', 'nc.destinataire_siren').andOnVal('c.role', '=', 'employeur');
    })
    .where('c.id', compteId).where('nc.annee', annee).whereNotNull('nc.premiere_consultation_le')
    .first('nc.annee');
  if (deja) return;
  await knex.transaction(async (trx) => {
    const r = await trx('notification_compte as nc')
      .join('compte as c', function () {
        this.on('c.siren', '=', 'nc.destinataire_siren').andOnVal('c.role', '=', 'employeur');
      })
      .where('c.id', compteId).where('nc.annee', annee)
      .forUpdate('nc')
      .first('nc.*');
    if (!r || r.premiere_consultation_le) return;
    const e = etatNotification({ miseADisposition: jour(r.mise_a_disposition_le)!, premiereConsultation: jourParis(maintenant), aujourdhui: jourParis(maintenant) });
    await trx('notification_compte').where({ annee, destinataire_siren: r.destinataire_siren }).whereNull('premiere_consultation_le')
      .update({
        premiere_consultation_le: maintenant, premiere_consultation_par: compteId,
        // a date already stored (deemed notified) never moves
        notifiee_le: r.notifiee_le ?? e.notifieeLe, notifiee_par: r.notifiee_par ?? e.par, recours_jusqu_au: r.recours_jusqu_au ?? e.recoursJusquAu,
      });
  });
}

/** The ledger of year N (or of the account), with the state each row is in today. */
export async function registre(knex: Knex, maintenant: Date, filtre: { annee?: number; compteId?: number } = {}): Promise<LigneRegistre[]> {
  await actualiserEcheances(knex, maintenant, filtre.annee);
  const q = knex('notification_compte as nc')
    .join('notification as n', function () {
      this.on('n.annee', '=', 'nc.annee').andOn('n.destinataire_siren', '=', 'nc.destinataire_siren').andOnVal('n.lot', '=', 'campagne');
    })
    .orderBy([{ column: 'nc.annee', order: 'desc' }, 'nc.destinataire_siren'])
    .select('nc.*', 'n.raison_sociale');
  if (filtre.annee !== undefined) q.where('nc.annee', filtre.annee);
  if (filtre.compteId !== undefined) {
    q.join('compte as c', function () {
      this.on('c.siren', '=', 'nc.destinataire_siren').andOnVal('c.role', '=', 'employeur');
    }).where('c.id', filtre.compteId);
  }
  return (await q).map((r) => ligne(r, jourParis(maintenant)));
}

export interface CompteursCampagne {
  annee: number;
  destinataires: number;
  mises_a_disposition: number;
  consultees: number;
  reputees_notifiees: number;
  en_attente: number;
  echecs: number;
  papier: number;
  /** paper notifications with a mixte or individuel rate: registered letter with acknowledgement of receipt */
  papier_recommande: number;
}

/** Per campaign: made available, consulted, deemed notified, failed, paper. */
export async function compteursCampagnes(knex: Knex, maintenant: Date): Promise<CompteursCampagne[]> {
  await actualiserEcheances(knex, maintenant);
  const { rows } = await knex.raw(
    `select n.annee,
            count(*)::int as destinataires,
            count(nc.annee)::int as mises_a_disposition,
            count(nc.premiere_consultation_le)::int as consultees,
            count(*) filter (where nc.notifiee_par = 'quinze_jours')::int as reputees_notifiees,
            count(*) filter (where nc.annee is not null and nc.notifiee_le is null)::int as en_attente,
            count(*) filter (where n.statut = 'echec')::int as echecs,
            count(*) filter (where n.statut = 'papier' or not n.dematerialisee)::int as papier
     from notification n
     left join notification_compte nc on nc.annee = n.annee and nc.destinataire_siren = n.destinataire_siren
     where n.lot = 'campagne'
     group by n.annee order by n.annee desc`,
  );
  // the modes notified to each paper recipient: the rule decides which go by registered letter
  const { rows: papier } = await knex.raw(
    `select n.annee, n.destinataire_siren,
            array_agg(distinct t.mode) filter (where t.mode is not null) as modes
     from notification n
     left join campagne_taux_courant t on t.annee = n.annee and t.siret = any (n.sirets) and t.statut = 'calcule' and t.notifie
     where n.lot = 'campagne' and (n.statut = 'papier' or not n.dematerialisee)
     group by n.annee, n.destinataire_siren`,
  );
  return rows.map((r: CompteursCampagne) => ({
    ...r,
    papier_recommande: papier.filter((p: { annee: number; modes: string[] | null }) => p.annee === r.annee && recommandeAvecAccuse(p.modes ?? [])).length,
  }));
}

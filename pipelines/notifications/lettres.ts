/**
 * The decision letters in the outbox (`notification`, lot 'decisions:<first id>-<last id>'): each letter rendered by
 * pipelines/decisions/lettres.ts is a row, keyed (annee, recipient, lot) like a campaign's notification, so that a
 * letter is queued once and sent once. `atmp notifications send --lot decisions` sends them with the campaign's
 * protocol: a row is claimed (FOR UPDATE SKIP LOCKED) by a process holding its advisory lock, its SMTP start is
 * recorded before the message is handed over, and a send that may have reached the server is never repeated
 * blindly (« à vérifier », settled like the campaign's; for the .eml outbox the file's presence tells).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Db } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';
import { verrouiller } from '../../jobs/ledger.ts';
import { joursReputeeNotifiee } from '../../rules/delais.ts';
import { courrielLettreDecision } from '../../templates/mail.ts';
import { notificationsConfig, type NotificationsConfig } from './config.ts';
import { creerExpediteur, type Expediteur } from './transport.ts';

export const PREFIXE_LOT_DECISIONS = 'decisions:';

export interface LettreEnFile {
  annee: number;
  lot: string;
  destinataire_siren: string;
  raison_sociale: string;
  email: string | null;
  dematerialisee: boolean;
  sirets: string[];
  sections: number;
  chemin: string;
  pdf: Uint8Array;
  domaine: string;
}

/** Queues a rendered decision letter (once: a second call for the same lot and recipient changes nothing). */
export async function mettreEnFile(knex: Knex, l: LettreEnFile): Promise<boolean> {
  const sha = createHash('sha256').update(l.pdf).digest('hex');
  const papier = !l.dematerialisee || !l.email;
  const ins = await knex('notification').insert({
    annee: l.annee, lot: l.lot, destinataire_siren: l.destinataire_siren, raison_sociale: l.raison_sociale, email: l.email,
    dematerialisee: l.dematerialisee, statut: papier ? 'papier' : 'rendue', etablissements: l.sections, sirets: l.sirets,
    contenu_empreinte: sha, pdf_chemin: l.chemin, pdf_sha256: sha, pdf_octets: l.pdf.byteLength, rendue_le: knex.fn.now(),
    message_id: `<atmp.${l.lot.replace(/[^\w.-]/g, '-')}.${l.destinataire_siren}.${sha.slice(0, 16)}@${l.domaine}>`,
    impression_chemin: papier ? l.chemin : null,
    derniere_erreur: papier ? (l.dematerialisee ? 'aucune adresse électronique de notification' : 'notification non dématérialisée : lot d’impression') : null,
  }).onConflict(['annee', 'destinataire_siren', 'lot']).ignore().returning('lot');
  return ins.length > 0;
}

export interface ResultatLettres {
  envoyees_ce_passage: number;
  non_envoyees_ce_passage: number;
  envoyees: number;
  en_attente: number;
  papier: number;
  echecs: number;
  a_verifier: number;
  transport: string;
}

const LOTS = `lot like '${PREFIXE_LOT_DECISIONS}%'`;

/** Counts of the decision letters in the outbox. */
export async function statutLettres(knex: Knex): Promise<Omit<ResultatLettres, 'envoyees_ce_passage' | 'non_envoyees_ce_passage' | 'transport'>> {
  const { rows: [r] } = await knex.raw(
    `select count(*) filter (where statut = 'envoyee')::int as envoyees,
            count(*) filter (where statut = 'rendue' or (statut = 'envoi_en_cours' and smtp_commence_le is null and not notification_expediteur_actif(reserve_par)))::int as en_attente,
            count(*) filter (where statut = 'papier')::int as papier,
            count(*) filter (where statut = 'echec')::int as echecs,
            count(*) filter (where statut = 'envoi_en_cours' and smtp_commence_le is not null and not notification_expediteur_actif(reserve_par))::int as a_verifier
       from notification where ${LOTS}`,
  );
  return r;
}

/** `atmp notifications send --lot decisions`: sends the queued decision letters not sent yet. Safe to re-run. */
export async function envoyerLettresDecisions(db: Db, opts: { outDir?: string; config?: NotificationsConfig; expediteur?: Expediteur } = {}): Promise<ResultatLettres> {
  const { knex } = db;
  const config = opts.config ?? notificationsConfig();
  const outDir = opts.outDir ?? loadConfig().outDir;
  const cle = `atmp:notifications:decisions:expediteur:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const liberer = await verrouiller(db, cle);
  // the .eml outbox names a message by its recipient: one folder per lot
  const expediteurs = new Map<string, Expediteur>();
  const expediteur = (lot: string): Expediteur => {
    if (opts.expediteur) return opts.expediteur;
    const k = config.smtpUrl ? '' : lot;
    let e = expediteurs.get(k);
    if (!e) expediteurs.set(k, (e = creerExpediteur(config, join(outDir, 'outbox', 'decisions', lot.slice(PREFIXE_LOT_DECISIONS.length)))));
    return e;
  };
  let envoyees = 0;
  const exclus: string[] = [];
  try {
    // claimed by a dead process, never handed to SMTP: certainly not sent
    await knex('notification').whereRaw(LOTS).where({ statut: 'envoi_en_cours' }).whereNull('smtp_commence_le')
      .whereRaw('not notification_expediteur_actif(reserve_par)').update({ statut: 'rendue', reserve_par: null });
    // handed over by a dead process: for the .eml outbox the file tells; by SMTP, « à vérifier »
    if (!config.smtpUrl && !opts.expediteur) {
      const doutes = await knex('notification').whereRaw(LOTS).where({ statut: 'envoi_en_cours' })
        .whereRaw('not notification_expediteur_actif(reserve_par)').select('annee', 'lot', 'destinataire_siren');
      for (const d of doutes) {
        const livre = expediteur(d.lot).verifier?.(d.destinataire_siren) === 'livre';
        await knex('notification').where({ annee: d.annee, lot: d.lot, destinataire_siren: d.destinataire_siren, statut: 'envoi_en_cours' })
          .update(livre
            ? { statut: 'envoyee', envoyee_le: knex.fn.now(), reputee_notifiee_le: knex.raw('(current_date + ?::int)', [joursReputeeNotifiee(d.annee).valeur]), reserve_par: null, reponse_smtp: 'fichier .eml présent (écrit avant l’interruption)' }
            : { statut: 'rendue', reserve_par: null, smtp_commence_le: null });
      }
    }
    for (;;) {
      const { rows } = await knex.raw(
        `update notification n
            set statut = 'envoi_en_cours', reserve_par = ?, envoi_commence_le = now(), smtp_commence_le = null, tentatives = n.tentatives + 1
           from (select annee, destinataire_siren, lot from notification
                  where ${LOTS} and statut = 'rendue' and (lot || '/' || destinataire_siren) <> all(?::text[])
                  order by lot, destinataire_siren limit 1 for update skip locked) libre
          where n.annee = libre.annee and n.destinataire_siren = libre.destinataire_siren and n.lot = libre.lot
         returning n.annee, n.lot, n.destinataire_siren, n.email, n.pdf_chemin, n.pdf_sha256, n.message_id`,
        [cle, exclus],
      );
      const n = rows[0];
      if (!n) break;
      const ligne = () => knex('notification').where({ annee: n.annee, lot: n.lot, destinataire_siren: n.destinataire_siren, statut: 'envoi_en_cours', reserve_par: cle });
      const pdf = existsSync(n.pdf_chemin) ? readFileSync(n.pdf_chemin) : null;
      if (!pdf || createHash('sha256').update(pdf).digest('hex') !== n.pdf_sha256) {
        exclus.push(`${n.lot}/${n.destinataire_siren}`);
        await ligne().update({ statut: 'rendue', reserve_par: null, derniere_erreur: 'lettre absente ou modifiée depuis son rendu : rien n’est envoyé' });
        continue;
      }
      await ligne().update({ smtp_commence_le: knex.fn.now() });
      const c = courrielLettreDecision(config.carsat, n.lot, n.destinataire_siren);
      const exp = expediteur(n.lot);
      let r;
      try {
        r = await exp.envoyer({ siren: n.destinataire_siren, messageId: n.message_id, a: n.email, sujet: c.sujet, html: c.html, texte: c.texte, fichier: c.fichier, pdf });
      } catch (e) {
        r = { ok: false as const, nature: 'incertaine' as const, erreur: String((e as Error).message ?? e) };
      }
      if (r.ok) {
        await ligne().update({ statut: 'envoyee', envoyee_le: knex.fn.now(), reputee_notifiee_le: knex.raw('(current_date + ?::int)', [joursReputeeNotifiee(n.annee).valeur]), reponse_smtp: r.reponse.slice(0, 500), derniere_erreur: null, reserve_par: null });
        envoyees++;
      } else if (r.nature === 'permanente') {
        await ligne().update({ statut: 'echec', impression_chemin: n.pdf_chemin, derniere_erreur: r.erreur.slice(0, 2000), reserve_par: null });
      } else if (r.nature === 'incertaine') {
        await ligne().update({ reserve_par: null, derniere_erreur: `incertain : ${r.erreur}`.slice(0, 2000) });
      } else {
        exclus.push(`${n.lot}/${n.destinataire_siren}`);
        await ligne().update({ statut: 'rendue', reserve_par: null, smtp_commence_le: null, derniere_erreur: r.erreur.slice(0, 2000) });
      }
    }
  } finally {
    for (const e of expediteurs.values()) await e.fermer();
    await liberer();
  }
  return {
    ...(await statutLettres(knex)), envoyees_ce_passage: envoyees, non_envoyees_ce_passage: exclus.length,
    transport: opts.expediteur?.description ?? (config.smtpUrl ? 'SMTP' : `fichiers .eml dans ${join(outDir, 'outbox', 'decisions')}`),
  };
}

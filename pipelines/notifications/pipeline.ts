/**
 * `atmp notifications send|status`: the grouped notifications of a validated campaign, one per recipient (group
 * head for a group with grouped notifications, else the company's siège), rendered to PDF, then sent by e-mail
 * (SMTP, or .eml files in the outbox when no SMTP is configured) or put in the print batch. The `notification`
 * table (sql/migrations/0005_notifications.sql, 0012) is the outbox: docs/notifications.md describes its states,
 * how several processes share it, and how an agent settles uncertain sends.
 *
 * Several processes: each holds a session advisory lock on its own key for its whole run; rows are claimed with
 * FOR UPDATE SKIP LOCKED and carry the claimer's key (`reserve_par`), so a row held by a dead process is told from
 * one in progress elsewhere.
 *
 * Never twice: a row is claimed (rendue → envoi_en_cours) before its message is handed to SMTP, the start of its
 * SMTP transaction is recorded just before, and it is recorded 'envoyee' after the server's acceptance. A row
 * left 'envoi_en_cours' by a dead process goes back to 'rendue' if its transaction never started; otherwise it is
 * never resent blindly: for the outbox (.eml written atomically, by rename) the file's presence tells what
 * happened; for SMTP the row is "à vérifier" and only the agent's `--incertains confirmer|renvoyer` settles it (a
 * resend carries the same deterministic Message-ID).
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { Piscina } from 'piscina';
import type { Db } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';
import { UserError } from '../../lib/errors.ts';
import { runSql } from '../../lib/sql.ts';
import { verrouiller } from '../../jobs/ledger.ts';
import type { Etape } from '../../rules/explication.ts';
import { joursReputeeNotifiee } from '../../rules/delais.ts';
import type { DonneesNotification, SectionNotifiee } from '../../templates/notification.ts';
import { validiteTaux } from '../bareme/validite.ts';
import { courrielAvis, courrielNotification } from '../../templates/mail.ts';
import { recommandeAvecAccuse } from '../../rules/consultation.ts';
import { compteEmployeur } from '../compte/comptes.ts';
import { notificationsConfig, type NotificationsConfig } from './config.ts';
import { rendreNotification } from './rendu.ts';
import { creerExpediteur, type Expediteur, type ResultatEnvoi } from './transport.ts';

/** the outbox's lot of a campaign's grouped notifications (sql/migrations/0016) */
export const LOT_CAMPAGNE = 'campagne';

const ICI = dirname(fileURLToPath(import.meta.url));

export interface SendOptions {
  annee: number;
  outDir?: string;
  config?: NotificationsConfig;
  /** what to do with uncertain sends (« à vérifier »): none by default (reported) */
  incertains?: 'renvoyer' | 'confirmer';
  /** which uncertain sends `incertains` applies to (by SIREN of the recipient or by Message-ID); all when absent */
  selection?: { sirens?: string[]; messageIds?: string[] };
  /** render only (no sending) */
  sansEnvoi?: boolean;
  progression?: (etape: 'rendu' | 'envoi', faites: number, total: number) => void;
  /** test hook: replaces the transport */
  expediteur?: Expediteur;
}

export interface Compteurs {
  annee: number;
  destinataires: number;
  rendues: number;
  envoyees: number;
  papier: number;
  echecs: number;
  a_verifier: number;
  en_attente: number;
  a_rendre: number;
  en_cours: number;
  reputees_notifiees: number;
  [k: string]: unknown;
}

interface LigneDestinataire extends Omit<SectionNotifiee, 'explication'> {
  destinataire_siren: string;
  groupe_id: string | null;
  groupe_nom: string | null;
  destinataire_nom: string;
  destinataire_siret_siege: string | null;
  destinataire_adresse: string | null;
  destinataire_code_postal: string | null;
  destinataire_commune: string | null;
  destinataire_email: string | null;
  destinataire_dematerialisee: boolean;
  explication: Etape[] | string;
}

export interface Destinataire {
  siren: string;
  groupe_id: string | null;
  email: string | null;
  dematerialisee: boolean;
  donnees: DonneesNotification;
  empreinte: string;
}

/** Date of a timestamp in Europe/Paris, YYYY-MM-DD (the notification's date is the validation day in France). */
function jourParis(t: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
}

async function campagneValidee(knex: Knex, annee: number) {
  const c = await knex('campagne').where({ annee }).first();
  if (!c) throw new UserError(`aucune campagne ${annee} : atmp campagne run --annee ${annee}, puis atmp campagne valider --annee ${annee}`);
  if (c.statut !== 'validee') {
    throw new UserError(`campagne ${annee} non validée (statut « ${c.statut} ») : les notifications ne partent que d'une campagne validée (atmp campagne valider --annee ${annee})`);
  }
  return c as { annee: number; validee_le: Date | string };
}

/** The recipients of a validated campaign with their notification's data (deterministic: ordered SQL). */
export async function lireDestinataires(knex: Knex | Knex.Transaction, annee: number, config: NotificationsConfig, validee: Date): Promise<Destinataire[]> {
  const rows = await runSql<LigneDestinataire>(knex, 'notifications/destinataires.sql', { annee });
  const parDest = new Map<string, LigneDestinataire[]>();
  for (const r of rows) {
    const l = parDest.get(r.destinataire_siren);
    if (l) l.push(r);
    else parDest.set(r.destinataire_siren, [r]);
  }
  const date = jourParis(validee);
  const validite = await validiteTaux(knex, annee);
  const out: Destinataire[] = [];
  for (const [siren, lignes] of parDest) {
    const t = lignes[0];
    const sections: SectionNotifiee[] = lignes.map((r) => ({
      siren: r.siren, raison_sociale: r.raison_sociale, siret: r.siret, etablissement_nom: r.etablissement_nom,
      adresse: r.adresse, code_postal: r.code_postal, commune: r.commune, code_risque: r.code_risque, libelle_risque: r.libelle_risque,
      section: r.section, decision: Number(r.decision), mode: r.mode, effectif: r.effectif, ctn: r.ctn,
      taux_precedent: r.taux_precedent, taux_calcule: r.taux_calcule, taux_notifie: r.taux_notifie, ecretement: r.ecretement,
      plancher: r.plancher, plafond: r.plafond,
      explication: (typeof r.explication === 'string' ? JSON.parse(r.explication) : r.explication) as Etape[],
    }));
    const donnees: DonneesNotification = {
      annee, date, horodatage: validee.toISOString(), reference: `ATMP-${annee}-${siren}`, carsat: config.carsat,
      destinataire: {
        siren, nom: t.destinataire_nom, siret_siege: t.destinataire_siret_siege, adresse: t.destinataire_adresse,
        code_postal: t.destinataire_code_postal, commune: t.destinataire_commune, groupe_nom: t.groupe_id ? t.groupe_nom : null,
      },
      sections, validite,
    };
    const empreinte = createHash('sha256').update(JSON.stringify(donnees)).digest('hex');
    out.push({ siren, groupe_id: t.groupe_id, email: t.destinataire_email, dematerialisee: !!t.destinataire_dematerialisee, donnees, empreinte });
  }
  return out;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function ecrireAtomique(chemin: string, octets: Uint8Array) {
  mkdirSync(dirname(chemin), { recursive: true });
  const tmp = `${chemin}.${process.pid}.tmp`;
  writeFileSync(tmp, octets);
  renameSync(tmp, chemin);
}

/** Deterministic Message-ID: campaign, recipient and PDF hash, at the Carsat's domain. */
export function messageId(annee: number, siren: string, pdfSha: string, email: string): string {
  const domaine = email.split('@')[1] ?? 'atmp.invalid';
  return `<atmp.${annee}.${siren}.${pdfSha.slice(0, 16)}@${domaine}>`;
}

/** Renders the notifications not rendered yet (or whose content changed before being sent). */
/** The advisory-lock text of one sending process: the key its claimed rows carry (`reserve_par`). */
function cleExpediteur(annee: number): string {
  return `atmp:notifications:${annee}:expediteur:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Plans the work: a row 'a_rendre' for each recipient without one, and back to 'a_rendre' a notification not sent
 * yet whose content changed (a new decision) or whose file disappeared. Safe when several processes run it.
 */
async function planifier(knex: Knex, annee: number, destinataires: Destinataire[]) {
  const existantes = new Map<string, { statut: string; contenu_empreinte: string; pdf_chemin: string | null }>(
    (await knex('notification').where({ annee, lot: LOT_CAMPAGNE }).select('destinataire_siren', 'statut', 'contenu_empreinte', 'pdf_chemin')).map((r) => [r.destinataire_siren, r]),
  );
  const nouvelles = destinataires.filter((d) => !existantes.has(d.siren)).map((d) => ({
    annee, destinataire_siren: d.siren, groupe_id: d.groupe_id, raison_sociale: d.donnees.destinataire.nom, email: d.email,
    dematerialisee: d.dematerialisee, statut: 'a_rendre', etablissements: d.donnees.sections.length,
    sirets: [...new Set(d.donnees.sections.map((s) => s.siret))], contenu_empreinte: d.empreinte,
  }));
  for (let i = 0; i < nouvelles.length; i += 500) {
    await knex('notification').insert(nouvelles.slice(i, i + 500)).onConflict(['annee', 'destinataire_siren', 'lot']).ignore();
  }
  const aRefaire = destinataires.filter((d) => {
    const e = existantes.get(d.siren);
    // the bytes are deterministic: a missing file comes back the same
    return e?.statut === 'rendue' && (e.contenu_empreinte !== d.empreinte || !e.pdf_chemin || !existsSync(e.pdf_chemin));
  }).map((d) => d.siren);
  for (let i = 0; i < aRefaire.length; i += 500) {
    // only a row still 'rendue' moves: a row claimed or sent meanwhile is never touched
    await knex('notification').where({ annee, lot: LOT_CAMPAGNE, statut: 'rendue' }).whereIn('destinataire_siren', aRefaire.slice(i, i + 500))
      .update({ statut: 'a_rendre', reserve_par: null });
  }
}

/**
 * Renders the notifications 'a_rendre', claimed a batch at a time (sql/notifications/reserver-rendu.sql: rows no
 * live process holds, SKIP LOCKED), so that several processes share the rendering of one campaign.
 */
async function rendreManquantes(db: Db, opts: SendOptions, config: NotificationsConfig, outDir: string, destinataires: Destinataire[], cle: string) {
  const { knex } = db;
  const { annee } = opts;
  await planifier(knex, annee, destinataires);
  const parSiren = new Map(destinataires.map((d) => [d.siren, d]));
  const [{ n: total }] = await knex('notification').where({ annee, lot: LOT_CAMPAGNE, statut: 'a_rendre' }).count({ n: '*' });
  let faites = 0;
  opts.progression?.('rendu', 0, Number(total));
  const dossier = join(outDir, 'notifications', String(annee));
  const impression = join(outDir, 'impression', String(annee));
  // rows are recorded in batches: a crash between a file and its row only means the file is rendered again (the
  // same bytes) by the next run, or by another process once this one's lock is gone
  let tampon: Record<string, unknown>[] = [];
  const vider = async () => {
    if (!tampon.length) return;
    const lignes = tampon;
    tampon = [];
    // only a row still 'a_rendre' and held by this process is written
    await knex.raw(
      `${knex('notification').insert(lignes).toString()} on conflict (annee, destinataire_siren, lot) do update set
         statut = excluded.statut, contenu_empreinte = excluded.contenu_empreinte, pdf_chemin = excluded.pdf_chemin,
         pdf_sha256 = excluded.pdf_sha256, pdf_octets = excluded.pdf_octets, rendue_le = excluded.rendue_le,
         message_id = excluded.message_id, etablissements = excluded.etablissements, sirets = excluded.sirets,
         impression_chemin = excluded.impression_chemin, email = excluded.email, derniere_erreur = excluded.derniere_erreur,
         raison_sociale = excluded.raison_sociale, groupe_id = excluded.groupe_id, dematerialisee = excluded.dematerialisee,
         recommande_ar = excluded.recommande_ar, reserve_par = null
       where notification.statut = 'a_rendre' and notification.reserve_par = excluded.reserve_par`,
    );
  };
  let rendues = 0;
  const enregistrer = async (d: Destinataire, pdf: Uint8Array) => {
    const chemin = join(dossier, `${d.siren}.pdf`);
    ecrireAtomique(chemin, pdf);
    const hash = sha256(pdf);
    const papier = !d.dematerialisee || !d.email;
    let impressionChemin: string | null = null;
    if (papier) {
      impressionChemin = join(impression, `${d.siren}.pdf`);
      ecrireAtomique(impressionChemin, pdf);
    }
    tampon.push({
      annee, lot: LOT_CAMPAGNE, recommande_ar: recommandeAvecAccuse(d.donnees.sections.map((s) => s.mode)), destinataire_siren: d.siren, groupe_id: d.groupe_id, raison_sociale: d.donnees.destinataire.nom, email: d.email,
      dematerialisee: d.dematerialisee, statut: papier ? 'papier' : 'rendue', etablissements: d.donnees.sections.length,
      sirets: [...new Set(d.donnees.sections.map((s) => s.siret))], contenu_empreinte: d.empreinte, pdf_chemin: chemin,
      pdf_sha256: hash, pdf_octets: pdf.byteLength, rendue_le: knex.fn.now(),
      message_id: messageId(annee, d.siren, hash, config.carsat.email), impression_chemin: impressionChemin, reserve_par: cle,
      derniere_erreur: papier ? (d.dematerialisee ? 'aucune adresse électronique de notification' : 'notification non dématérialisée : lot d’impression') : null,
    });
    rendues++;
    if (tampon.length >= 200) await vider();
    opts.progression?.('rendu', ++faites, Math.max(Number(total), faites));
  };
  const workers = Math.max(1, config.workers);
  // rows this process cannot render (no longer a recipient in the data it read): not claimed again in this run
  const exclus: string[] = [];
  const lot = Math.max(8, workers * 4);
  const prendre = async (): Promise<Destinataire[]> => {
    const prises = await runSql<{ destinataire_siren: string }>(knex, 'notifications/reserver-rendu.sql', { annee, cle, n: lot, exclus });
    const out: Destinataire[] = [];
    for (const p of prises) {
      const d = parSiren.get(p.destinataire_siren);
      if (d) out.push(d);
      else {
        exclus.push(p.destinataire_siren);
        // no notified section left for this recipient (decision corrected): nothing to render
        await knex('notification').where({ annee, lot: LOT_CAMPAGNE, destinataire_siren: p.destinataire_siren, statut: 'a_rendre', reserve_par: cle }).delete();
      }
    }
    return out;
  };
  let pool: Piscina | undefined;
  try {
    const enCours = new Set<Promise<void>>();
    for (let l = await prendre(); l.length; l = await prendre()) {
      for (const d of l) {
        if (config.workers <= 1) {
          await enregistrer(d, await rendreNotification(d.donnees));
          continue;
        }
        pool ??= new Piscina({
          filename: join(ICI, 'rendu-worker.mjs'), minThreads: workers, maxThreads: workers,
          // the worker's heap is capped, so a runaway document cannot take the host down; its young generation is
          // larger than V8's default: a document allocates megabytes of short-lived objects, and fewer scavenges
          // of a larger space cost less
          resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 128 },
        });
        // bounded in flight: memory stays flat whatever the campaign size; records are written in order of completion
        const p: Promise<void> = pool.run(d.donnees).then((pdf: Uint8Array) => enregistrer(d, pdf)).finally(() => enCours.delete(p));
        enCours.add(p);
        if (enCours.size >= workers * 4) await Promise.race(enCours);
      }
    }
    await Promise.all(enCours);
  } finally {
    await pool?.destroy();
  }
  await vider();
  return { destinataires: destinataires.length, rendues };
}

interface LigneNotification {
  annee: number;
  destinataire_siren: string;
  raison_sociale: string;
  email: string;
  statut: string;
  pdf_chemin: string;
  pdf_sha256: string;
  message_id: string;
  tentatives: number;
  contenu_empreinte: string;
}

const attendre = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACCEPTEES_PAR_LOT = 50;
const ACCEPTEES_DELAI_MS = 200;

async function mettreAuPapier(knex: Knex, outDir: string, n: LigneNotification, statut: 'echec', erreur: string) {
  const chemin = join(outDir, 'impression', String(n.annee), `${n.destinataire_siren}.pdf`);
  mkdirSync(dirname(chemin), { recursive: true });
  copyFileSync(n.pdf_chemin, chemin);
  await knex('notification').where({ annee: n.annee, lot: LOT_CAMPAGNE, destinataire_siren: n.destinataire_siren })
    .update({ statut, derniere_erreur: erreur.slice(0, 2000), impression_chemin: chemin, reserve_par: null });
}

export interface Incertaine {
  siren: string;
  raison_sociale: string;
  email: string | null;
  message_id: string;
  smtp_commence_le: Date | string;
  erreur: string | null;
}

/**
 * Uncertain sends ("à vérifier"): rows 'envoi_en_cours' whose SMTP transaction started, held by no live process
 * (the process died, or the connection was lost after the whole message was handed to it).
 */
export async function lireIncertaines(knex: Knex, annee: number): Promise<Incertaine[]> {
  return knex('notification').where({ annee, lot: LOT_CAMPAGNE, statut: 'envoi_en_cours' }).whereNotNull('smtp_commence_le')
    .whereRaw('not notification_expediteur_actif(reserve_par)').orderBy('destinataire_siren')
    .select('destinataire_siren as siren', 'raison_sociale', 'email', 'message_id', 'smtp_commence_le', 'derniere_erreur as erreur');
}

/** Settles uncertain rows: the outbox's file tells; else the agent's decision, for the rows selected. */
async function reglerIncertaines(knex: Knex, opts: SendOptions, exp: Expediteur | undefined) {
  const { annee } = opts;
  const incertaines = await lireIncertaines(knex, annee);
  const sel = opts.selection;
  const choisie = (n: Incertaine) => !sel || sel.sirens?.includes(n.siren) || sel.messageIds?.includes(n.message_id);
  if (opts.incertains && sel) {
    const connues = new Set(incertaines.flatMap((n) => [n.siren, n.message_id]));
    const inconnues = [...(sel.sirens ?? []), ...(sel.messageIds ?? [])].filter((x) => !connues.has(x));
    if (inconnues.length) {
      throw new UserError(`aucun envoi à vérifier pour ${inconnues.join(', ')} ; à vérifier : ${incertaines.length ? incertaines.map((n) => `${n.siren} ${n.message_id}`).join(', ') : 'aucun'}`, 2);
    }
  }
  const reglees: { siren: string; message_id: string; action: 'confirmer' | 'renvoyer' }[] = [];
  for (const n of incertaines) {
    const verdict = exp?.verifier ? exp.verifier(n.siren) : undefined;
    const action = verdict === 'livre' ? 'confirmer' : verdict === 'absent' ? 'renvoyer' : opts.incertains && choisie(n) ? opts.incertains : undefined;
    if (!action) continue;
    const ou = knex('notification').where({ annee, lot: LOT_CAMPAGNE, destinataire_siren: n.siren, statut: 'envoi_en_cours' }).whereRaw('not notification_expediteur_actif(reserve_par)');
    let fait: number;
    if (action === 'confirmer') {
      fait = await ou.update({
        statut: 'envoyee', envoyee_le: knex.fn.now(), reputee_notifiee_le: knex.raw('(current_date + ?::int)', [joursReputeeNotifiee(annee).valeur]), reserve_par: null,
        reponse_smtp: verdict === 'livre' ? 'fichier .eml présent (écrit avant l’interruption)' : 'confirmé par l’opérateur après vérification',
      });
    } else {
      fait = await ou.update({ statut: 'rendue', reserve_par: null, smtp_commence_le: null });
    }
    if (fait === 1 && action === 'confirmer') {
      // a notice of availability confirmed sent: recorded in the account's ledger too
      await knex('notification_compte').where({ annee, destinataire_siren: n.siren }).whereNull('avis_envoye_le')
        .whereExists(knex('notification').where({ annee, lot: LOT_CAMPAGNE, destinataire_siren: n.siren, avis: true }))
        .update({ avis_envoye_le: knex.fn.now(), avis_erreur: null });
    }
    // settled by another process meanwhile: not reported twice
    if (fait === 1 && !verdict) reglees.push({ siren: n.siren, message_id: n.message_id, action });
  }
  return reglees;
}

/** Sends the rendered, unsent notifications; returns how many were accepted and how many this run left unsent. */
async function envoyer(db: Db, opts: SendOptions, config: NotificationsConfig, outDir: string, destinataires: Destinataire[], exp: Expediteur, cle: string) {
  const { knex } = db;
  const { annee } = opts;
  // rows claimed by a process that died before handing them to SMTP: certainly not sent, back to 'rendue'
  await runSql(knex, 'notifications/liberer-abandonnees.sql', { annee });
  const [{ n: total }] = await knex('notification').where({ annee, lot: LOT_CAMPAGNE, statut: 'rendue' }).count({ n: '*' });
  const parSiren = new Map(destinataires.map((d) => [d.siren, d]));
  let faites = 0;
  let envoyees = 0;
  // rows this run gave up on (transient failures exhausted, PDF not reproducible): left 'rendue', not claimed again
  const exclus: string[] = [];
  opts.progression?.('envoi', 0, Number(total));
  const progresser = () => opts.progression?.('envoi', ++faites, Math.max(Number(total), faites));

  // accepted messages are recorded 'envoyee' in batches (one UPDATE per ACCEPTEES_PAR_LOT rows, or after
  // ACCEPTEES_DELAI_MS): until then a row stays 'envoi_en_cours' with its SMTP start recorded, so a crash in between
  // leaves it « à vérifier » with its Message-ID, never resent blindly
  let acceptees: { siren: string; reponse: string }[] = [];
  let minuteur: NodeJS.Timeout | undefined;
  let ecritures: Promise<unknown> = Promise.resolve();
  // a failed record stops the sending (nothing more is claimed) and fails the run
  let registreEnPanne = false;
  const enregistrerAcceptees = () => {
    clearTimeout(minuteur);
    minuteur = undefined;
    const lot = acceptees;
    acceptees = [];
    if (lot.length) {
      ecritures = ecritures.then(() =>
        runSql(knex, 'notifications/envois-acceptes.sql', { annee, jours: joursReputeeNotifiee(annee).valeur, sirens: lot.map((a) => a.siren), reponses: lot.map((a) => a.reponse) }),
      ).catch((e) => {
        registreEnPanne = true;
        throw e;
      });
    }
    return ecritures;
  };
  const accepter = async (siren: string, reponse: string) => {
    acceptees.push({ siren, reponse: reponse.slice(0, 500) });
    envoyees++;
    if (acceptees.length >= ACCEPTEES_PAR_LOT) await enregistrerAcceptees();
    // a failed write is reported by the final enregistrerAcceptees()
    else minuteur ??= setTimeout(() => enregistrerAcceptees().catch(() => {}), ACCEPTEES_DELAI_MS);
  };

  /** The PDF (checked against its stored hash, rendered again if missing) and the e-mail of a notification. */
  const preparer = async (n: LigneNotification) => {
    const d = parSiren.get(n.destinataire_siren);
    if (!d) throw new Error('plus aucune section notifiée pour ce destinataire (décision corrigée ?)');
    let pdf: Buffer | null = existsSync(n.pdf_chemin) ? readFileSync(n.pdf_chemin) : null;
    if (!pdf || sha256(pdf) !== n.pdf_sha256) {
      // deterministic rendering: the same bytes come back; anything else is refused rather than sent
      pdf = await rendreNotification(d.donnees);
      if (sha256(pdf) !== n.pdf_sha256) throw new Error('le PDF rendu ne correspond plus à l’empreinte enregistrée : rien n’est envoyé');
      ecrireAtomique(n.pdf_chemin, pdf);
    }
    // a recipient with an online account gets the notice "votre notification … est disponible" (the notification
    // is made available in the account first); the letter is attached only when configured so
    let compte = true;
    try {
      await compteEmployeur(knex, n.destinataire_siren);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      compte = false;
    }
    if (!compte) return { pdf, courriel: courrielNotification(d.donnees), avis: false };
    await knex('notification_compte').insert({ annee, destinataire_siren: n.destinataire_siren, mise_a_disposition_le: knex.fn.now() })
      .onConflict(['annee', 'destinataire_siren']).ignore();
    const courriel = courrielAvis({
      annee, carsat: d.donnees.carsat, url: `${config.urlPublique}/notifications/${annee}`, reference: d.donnees.reference,
      pieceJointe: config.pieceJointe,
    });
    return { pdf: config.pieceJointe ? pdf : undefined, courriel, avis: true };
  };

  const ligne = (n: LigneNotification) => knex('notification').where({ annee, lot: LOT_CAMPAGNE, destinataire_siren: n.destinataire_siren, statut: 'envoi_en_cours', reserve_par: cle });

  /** Sends a claimed notification ('envoi_en_cours'); a notification that cannot be prepared is released. */
  const envoyerUne = async (n: LigneNotification) => {
    let prepare: Awaited<ReturnType<typeof preparer>>;
    try {
      prepare = await preparer(n);
    } catch (e) {
      // reported, and back to 'rendue' as if never claimed; the others go on
      exclus.push(n.destinataire_siren);
      await ligne(n).update({ statut: 'rendue', reserve_par: null, tentatives: knex.raw('tentatives - 1'), derniere_erreur: String((e as Error).message ?? e).slice(0, 2000) });
      return;
    }
    const { pdf, courriel } = prepare;
    if (prepare.avis) await ligne(n).update({ avis: true });
    for (let essai = 1; ; essai++) {
      if (essai > 1) {
        // a retry claims the row again: only one sender ever moves a row from 'rendue' to 'envoi_en_cours'
        const pris = await knex('notification').where({ annee, lot: LOT_CAMPAGNE, destinataire_siren: n.destinataire_siren, statut: 'rendue' })
          .update({ statut: 'envoi_en_cours', reserve_par: cle, envoi_commence_le: knex.fn.now(), smtp_commence_le: null, tentatives: knex.raw('tentatives + 1') });
        if (pris !== 1) return;
      }
      // recorded before the message is handed over: a row without it, left by a dead process, was never sent
      if ((await ligne(n).update({ smtp_commence_le: knex.fn.now() })) !== 1) return;
      let r: ResultatEnvoi;
      try {
        r = await exp.envoyer({
          siren: n.destinataire_siren, messageId: n.message_id, a: n.email, sujet: courriel.sujet, html: courriel.html,
          texte: courriel.texte, fichier: courriel.fichier, pdf,
        });
      } catch (e) {
        r = { ok: false, nature: 'incertaine', erreur: String((e as Error).message ?? e) };
      }
      if (r.ok) {
        await accepter(n.destinataire_siren, r.reponse);
        return;
      }
      if (r.nature === 'permanente') {
        await mettreAuPapier(knex, outDir, n, 'echec', r.erreur);
        return;
      }
      if (r.nature === 'incertaine') {
        // the server may have accepted the message: the row stays 'envoi_en_cours', released by this process so
        // that it reads « à vérifier » at once; never resent automatically
        await ligne(n).update({ reserve_par: null, derniere_erreur: `incertain : ${r.erreur}`.slice(0, 2000) });
        return;
      }
      // transient (4xx, or the connection failed before the whole message was handed to it): nothing was accepted;
      // release the claim, retry with backoff
      await ligne(n).update({ statut: 'rendue', reserve_par: null, smtp_commence_le: null, derniere_erreur: r.erreur.slice(0, 2000) });
      if (essai >= config.essais) {
        exclus.push(n.destinataire_siren);
        return;
      }
      await attendre(config.backoffMs * 2 ** (essai - 1));
    }
  };

  // rows are claimed ('rendue' → 'envoi_en_cours', sql/notifications/reserver.sql, SKIP LOCKED) a batch at a time,
  // as many as messages in flight; each message's SMTP start is recorded just before it is handed over, so a crash
  // leaves uncertain only the messages actually handed to SMTP
  const parallele = Math.max(1, exp.parallelisme);
  const reservees: LigneNotification[] = [];
  let epuise = false;
  let reservation: Promise<void> | undefined;
  let arret: unknown;
  const prochaine = async (): Promise<LigneNotification | undefined> => {
    while (!reservees.length && !epuise && !registreEnPanne && arret === undefined) {
      reservation ??= (async () => {
        const prises = await runSql<LigneNotification>(knex, 'notifications/reserver.sql', { annee, cle, n: parallele, exclus });
        if (!prises.length) epuise = true;
        reservees.push(...prises);
      })().finally(() => {
        reservation = undefined;
      });
      await reservation;
    }
    return registreEnPanne || arret !== undefined ? undefined : reservees.shift();
  };
  try {
    await Promise.all(
      Array.from({ length: parallele }, async () => {
        try {
          for (let n = await prochaine(); n; n = await prochaine()) {
            await envoyerUne(n);
            progresser();
          }
        } catch (e) {
          // the database (or the print batch's file system) failed: every sender stops after its current message
          arret ??= e;
        }
      }),
    );
  } finally {
    try {
      await enregistrerAcceptees();
    } finally {
      // claimed, never started (the sending stopped): back to 'rendue'
      const jamais = reservees.splice(0).map((n) => n.destinataire_siren);
      if (jamais.length) {
        await knex('notification').where({ annee, lot: LOT_CAMPAGNE, statut: 'envoi_en_cours', reserve_par: cle }).whereNull('smtp_commence_le').whereIn('destinataire_siren', jamais)
          .update({ statut: 'rendue', reserve_par: null, tentatives: knex.raw('tentatives - 1') });
      }
    }
  }
  if (arret !== undefined) throw arret;
  return { envoyees, nonEnvoyees: new Set(exclus).size };
}

export interface ResultatEnvoiNotifications extends Statut {
  rendues_ce_passage: number;
  envoyees_ce_passage: number;
  /** messages this run tried to send and left unsent (SMTP unreachable, 4xx until the last attempt, PDF not reproducible) */
  non_envoyees_ce_passage: number;
  /** uncertain sends settled by the agent's decision in this run (`incertains` with a selection) */
  incertains_regles: { siren: string; message_id: string; action: 'confirmer' | 'renvoyer' }[];
  transport: string;
}

/**
 * `atmp notifications send --annee N`: renders what is missing, sends what is unsent. Safe to re-run, to kill, and
 * to run in several processes at once (on one machine or several): they share the work through the outbox.
 */
export async function envoyerNotifications(db: Db, opts: SendOptions): Promise<ResultatEnvoiNotifications> {
  const { annee } = opts;
  const config = opts.config ?? notificationsConfig();
  const outDir = opts.outDir ?? loadConfig().outDir;
  const c = await campagneValidee(db.knex, annee);
  const validee = new Date(c.validee_le);
  // this process's key, held as a session advisory lock for the whole run: the rows it claims carry it, and other
  // processes (and later runs) tell a live holder from a dead one by it
  const cle = cleExpediteur(annee);
  const liberer = await verrouiller(db, cle);
  let exp: Expediteur | undefined;
  try {
    // read once: what to render and what to send come from the same recipients' data
    const destinataires = await lireDestinataires(db.knex, annee, config, validee);
    const r = await rendreManquantes(db, opts, config, outDir, destinataires, cle);
    let envoi = { envoyees: 0, nonEnvoyees: 0 };
    exp = opts.expediteur ?? (opts.sansEnvoi ? undefined : creerExpediteur(config, join(outDir, 'outbox', String(annee))));
    const reglees = await reglerIncertaines(db.knex, opts, opts.sansEnvoi ? undefined : exp);
    if (exp && !opts.sansEnvoi) envoi = await envoyer(db, opts, config, outDir, destinataires, exp, cle);
    await ecrireIndexImpression(db.knex, annee, outDir);
    const compteurs = await statutNotifications(db.knex, annee);
    return {
      ...compteurs, rendues_ce_passage: r.rendues, envoyees_ce_passage: envoi.envoyees, non_envoyees_ce_passage: envoi.nonEnvoyees,
      incertains_regles: reglees, transport: exp?.description ?? 'aucun (rendu seul)',
    };
  } finally {
    if (exp && !opts.expediteur) await exp.fermer();
    await liberer();
  }
}

/**
 * The print batch's index, `<ATMP_OUT_DIR>/impression/<année>/index.csv` (`;`, UTF-8): one line per paper
 * notification, with its file and how it is posted: a mixte or individuel rate goes by registered letter with
 * acknowledgement of receipt (arrêté du 17 octobre 1995), the others by ordinary letter. Rewritten whole from the
 * outbox at each run.
 */
export async function ecrireIndexImpression(knex: Knex, annee: number, outDir: string): Promise<string | null> {
  const rows = await knex('notification').where({ annee, lot: LOT_CAMPAGNE }).whereIn('statut', ['papier', 'echec']).whereNotNull('impression_chemin')
    .orderBy('destinataire_siren').select('destinataire_siren', 'raison_sociale', 'impression_chemin', 'recommande_ar', 'statut');
  if (!rows.length) return null;
  const cellule = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v).replace(/^([=+\-@\t\r])/, "'$1");
  const lignes = ['siren;raison_sociale;fichier;envoi;motif', ...rows.map((r) => [
    r.destinataire_siren, r.raison_sociale, r.impression_chemin.split(/[\\/]/).at(-1),
    r.recommande_ar ? 'recommande_ar' : 'lettre_simple', r.statut === 'echec' ? 'adresse_refusee' : 'papier',
  ].map((v) => cellule(String(v))).join(';'))];
  const chemin = join(outDir, 'impression', String(annee), 'index.csv');
  ecrireAtomique(chemin, Buffer.from(lignes.join('\n') + '\n', 'utf8'));
  return chemin;
}

export interface Statut extends Compteurs {
  statut_campagne: string;
  /** paper rows (papier, echec) with a mixte or individuel rate: registered letter with acknowledgement of receipt */
  papier_recommande: number;
  /** e-mails sent as the notice of availability in the online account (the others carried the letter) */
  avis: number;
  problemes: { siren: string; raison_sociale: string; statut: string; tentatives: number; erreur: string | null; message_id: string | null }[];
}

export async function statutNotifications(knex: Knex, annee: number): Promise<Statut> {
  const c = await knex('campagne').where({ annee }).first();
  if (!c) throw new UserError(`aucune campagne ${annee}`);
  const [agg] = (await knex.raw(
    `select count(*)::int as destinataires,
            count(*) filter (where statut = 'a_rendre')::int as a_rendre,
            count(*) filter (where statut = 'rendue' or (statut = 'envoi_en_cours' and smtp_commence_le is null and not notification_expediteur_actif(reserve_par)))::int as en_attente,
            count(*) filter (where statut = 'envoi_en_cours' and notification_expediteur_actif(reserve_par))::int as en_cours,
            count(*) filter (where statut = 'envoyee')::int as envoyees,
            count(*) filter (where statut = 'papier')::int as papier,
            count(*) filter (where statut = 'echec')::int as echecs,
            count(*) filter (where statut = 'envoi_en_cours' and smtp_commence_le is not null and not notification_expediteur_actif(reserve_par))::int as a_verifier,
            count(*) filter (where statut = 'envoyee' and reputee_notifiee_le <= current_date)::int as reputees_notifiees,
            count(*) filter (where statut in ('papier', 'echec') and recommande_ar)::int as papier_recommande,
            count(*) filter (where statut = 'envoyee' and avis)::int as avis,
            coalesce(sum(etablissements), 0)::int as sections
     from notification where annee = ? and lot = 'campagne'`,
    [annee],
  )).rows;
  const problemes = await knex('notification').where({ annee, lot: LOT_CAMPAGNE })
    .where((q) => q.where('statut', 'echec')
      .orWhere((q2) => q2.where('statut', 'envoi_en_cours').whereNotNull('smtp_commence_le').whereRaw('not notification_expediteur_actif(reserve_par)'))
      .orWhere((q2) => q2.where('statut', 'rendue').whereNotNull('derniere_erreur')))
    .orderBy('destinataire_siren')
    .select('destinataire_siren as siren', 'raison_sociale', 'statut', 'tentatives', 'derniere_erreur as erreur', 'message_id');
  return { annee, statut_campagne: c.statut, rendues: agg.destinataires, ...agg, problemes };
}

/**
 * `atmp notifications send|status`: the grouped notifications of a validated campaign, one per recipient (group
 * head for a group with grouped notifications, else the company's siège), rendered to PDF, then sent by e-mail
 * (SMTP, or .eml files in the outbox when no SMTP is configured) or put in the print batch. The `notification`
 * table (sql/migrations/0005_notifications.sql) is the outbox ledger; README.md next to this file describes the
 * states and the crash-window reading.
 *
 * Never twice: a row is claimed (rendue → envoi_en_cours, one UPDATE … WHERE statut = 'rendue') before the SMTP
 * transaction and recorded (envoyee) right after it. A crash between the server's acceptance and the record leaves
 * the row 'envoi_en_cours': it is never resent blindly. For the outbox (.eml written atomically, by rename) the
 * file's presence tells what happened; for SMTP the row is reported "à vérifier" and only an explicit
 * `--incertains renvoyer|confirmer` resolves it (a resend carries the same deterministic Message-ID).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { Piscina } from 'piscina';
import type { Db } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';
import { UserError } from '../../lib/errors.ts';
import { runSql } from '../../lib/sql.ts';
import { demarrerJob } from '../../jobs/ledger.ts';
import type { Etape } from '../../rules/explication.ts';
import type { DonneesNotification, SectionNotifiee } from '../../templates/notification.ts';
import { courrielNotification } from '../../templates/mail.ts';
import { notificationsConfig, type NotificationsConfig } from './config.ts';
import { rendreNotification } from './rendu.ts';
import { creerExpediteur, type Expediteur, type ResultatEnvoi } from './transport.ts';

const ICI = dirname(fileURLToPath(import.meta.url));

export interface SendOptions {
  annee: number;
  outDir?: string;
  config?: NotificationsConfig;
  /** what to do with rows left 'envoi_en_cours' by a crashed SMTP run (default: leave them, reported) */
  incertains?: 'renvoyer' | 'confirmer';
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
      sections,
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
async function rendreManquantes(db: Db, opts: SendOptions, config: NotificationsConfig, outDir: string, destinataires: Destinataire[]) {
  const { knex } = db;
  const { annee } = opts;
  const existantes = new Map<string, { statut: string; contenu_empreinte: string; pdf_chemin: string; pdf_sha256: string }>(
    (await knex('notification').where({ annee }).select('destinataire_siren', 'statut', 'contenu_empreinte', 'pdf_chemin', 'pdf_sha256')).map((r) => [r.destinataire_siren, r]),
  );
  const aRendre = destinataires.filter((d) => {
    const e = existantes.get(d.siren);
    if (!e) return true;
    // already rendered: re-render only a not-yet-sent notification whose content changed (a new decision), or
    // whose file disappeared (the bytes are deterministic: the same file comes back)
    if (e.statut === 'rendue') return e.contenu_empreinte !== d.empreinte || !existsSync(e.pdf_chemin);
    return false;
  });
  let faites = 0;
  opts.progression?.('rendu', 0, aRendre.length);
  const dossier = join(outDir, 'notifications', String(annee));
  const impression = join(outDir, 'impression', String(annee));
  // rows are recorded in batches: a crash between a file and its row only means the file is rendered again (the
  // same bytes) by the next run
  let tampon: Record<string, unknown>[] = [];
  const vider = async () => {
    if (!tampon.length) return;
    const lignes = tampon;
    tampon = [];
    // only a row still 'rendue' (or absent) is (re)written: a row claimed or sent meanwhile is never touched
    await knex.raw(
      `${knex('notification').insert(lignes).toString()} on conflict (annee, destinataire_siren) do update set
         statut = excluded.statut, contenu_empreinte = excluded.contenu_empreinte, pdf_chemin = excluded.pdf_chemin,
         pdf_sha256 = excluded.pdf_sha256, pdf_octets = excluded.pdf_octets, rendue_le = excluded.rendue_le,
         message_id = excluded.message_id, etablissements = excluded.etablissements, sirets = excluded.sirets,
         impression_chemin = excluded.impression_chemin, email = excluded.email, derniere_erreur = excluded.derniere_erreur
       where notification.statut = 'rendue'`,
    );
  };
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
    const ligne = {
      annee, destinataire_siren: d.siren, groupe_id: d.groupe_id, raison_sociale: d.donnees.destinataire.nom, email: d.email,
      dematerialisee: d.dematerialisee, statut: papier ? 'papier' : 'rendue', etablissements: d.donnees.sections.length,
      sirets: [...new Set(d.donnees.sections.map((s) => s.siret))], contenu_empreinte: d.empreinte, pdf_chemin: chemin,
      pdf_sha256: hash, pdf_octets: pdf.byteLength, rendue_le: knex.fn.now(),
      message_id: messageId(annee, d.siren, hash, config.carsat.email), impression_chemin: impressionChemin,
      derniere_erreur: papier ? (d.dematerialisee ? 'aucune adresse électronique de notification' : 'notification non dématérialisée : lot d’impression') : null,
    };
    tampon.push(ligne);
    if (tampon.length >= 200) await vider();
    opts.progression?.('rendu', ++faites, aRendre.length);
  };
  if (!aRendre.length) return { destinataires: destinataires.length, rendues: 0 };
  const workers = Math.min(config.workers, aRendre.length);
  if (workers <= 1 && config.workers <= 1) {
    for (const d of aRendre) await enregistrer(d, await rendreNotification(d.donnees));
  } else {
    const pool = new Piscina({
      filename: join(ICI, 'rendu-worker.mjs'), minThreads: workers, maxThreads: workers,
      // the worker's heap is capped, so a runaway document cannot take the host down; its young generation is
      // larger than V8's default: a document allocates megabytes of short-lived objects, and fewer scavenges of a
      // larger space cost less
      resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 128 },
    });
    try {
      // bounded in flight: memory stays flat whatever the campaign size; records are written in order of completion
      const enCours = new Set<Promise<void>>();
      for (const d of aRendre) {
        const p: Promise<void> = pool.run(d.donnees).then((pdf: Uint8Array) => enregistrer(d, pdf)).finally(() => enCours.delete(p));
        enCours.add(p);
        if (enCours.size >= workers * 4) await Promise.race(enCours);
      }
      await Promise.all(enCours);
    } finally {
      await pool.destroy();
    }
  }
  await vider();
  return { destinataires: destinataires.length, rendues: aRendre.length };
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
  await knex('notification').where({ annee: n.annee, destinataire_siren: n.destinataire_siren })
    .update({ statut, derniere_erreur: erreur.slice(0, 2000), impression_chemin: chemin });
}

/** Sends the rendered, unsent notifications; returns how many were accepted. */
async function envoyer(db: Db, opts: SendOptions, config: NotificationsConfig, outDir: string, destinataires: Destinataire[], exp: Expediteur) {
  const { knex } = db;
  const { annee } = opts;
  // rows left 'envoi_en_cours' by a crashed run
  const incertaines: LigneNotification[] = await knex('notification').where({ annee, statut: 'envoi_en_cours' });
  for (const n of incertaines) {
    const verdict = exp.verifier ? exp.verifier(n.destinataire_siren) : undefined;
    if (verdict === 'livre' || (verdict === undefined && opts.incertains === 'confirmer')) {
      await knex('notification').where({ annee, destinataire_siren: n.destinataire_siren, statut: 'envoi_en_cours' }).update({
        statut: 'envoyee', envoyee_le: knex.fn.now(), reputee_notifiee_le: knex.raw('(current_date + 15)'),
        reponse_smtp: verdict === 'livre' ? 'fichier .eml présent (écrit avant l’interruption)' : 'confirmé par l’opérateur après interruption',
      });
    } else if (verdict === 'absent' || (verdict === undefined && opts.incertains === 'renvoyer')) {
      await knex('notification').where({ annee, destinataire_siren: n.destinataire_siren, statut: 'envoi_en_cours' }).update({ statut: 'rendue' });
    }
  }
  const aEnvoyer: LigneNotification[] = await knex('notification').where({ annee, statut: 'rendue' }).orderBy('destinataire_siren');
  if (!aEnvoyer.length) return 0;
  const parSiren = new Map(destinataires.map((d) => [d.siren, d]));
  let faites = 0;
  let envoyees = 0;
  opts.progression?.('envoi', 0, aEnvoyer.length);

  // accepted messages are recorded 'envoyee' in batches (one UPDATE per ACCEPTEES_PAR_LOT rows, or after
  // ACCEPTEES_DELAI_MS): until then a row stays 'envoi_en_cours', so a crash in between leaves it « à vérifier »
  // with its Message-ID, never resent blindly, exactly like a crash during the SMTP transaction
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
        runSql(knex, 'notifications/envois-acceptes.sql', { annee, sirens: lot.map((a) => a.siren), reponses: lot.map((a) => a.reponse) }),
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
    return { pdf, courriel: courrielNotification(d.donnees) };
  };

  /** Sends a claimed notification ('envoi_en_cours'); a notification that cannot be prepared is released. */
  const envoyerUne = async (n: LigneNotification) => {
    let prepare: Awaited<ReturnType<typeof preparer>>;
    try {
      prepare = await preparer(n);
    } catch (e) {
      // reported, and back to 'rendue' as if never claimed; the others go on
      await knex('notification').where({ annee, destinataire_siren: n.destinataire_siren, statut: 'envoi_en_cours' })
        .update({ statut: 'rendue', tentatives: knex.raw('tentatives - 1'), derniere_erreur: String((e as Error).message ?? e).slice(0, 2000) });
      return;
    }
    const { pdf, courriel } = prepare;
    for (let essai = 1; ; essai++) {
      if (essai > 1) {
        // a retry claims the row again: only one sender ever moves a row from 'rendue' to 'envoi_en_cours'
        const pris = await knex('notification').where({ annee, destinataire_siren: n.destinataire_siren, statut: 'rendue' })
          .update({ statut: 'envoi_en_cours', envoi_commence_le: knex.fn.now(), tentatives: knex.raw('tentatives + 1') });
        if (pris !== 1) return;
      }
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
        // the server may have accepted the message: leave the claim in place, reported "à vérifier"
        await knex('notification').where({ annee, destinataire_siren: n.destinataire_siren }).update({ derniere_erreur: `incertain : ${r.erreur}`.slice(0, 2000) });
        return;
      }
      // transient (4xx, connection refused): nothing was accepted; release the claim, retry with backoff
      await knex('notification').where({ annee, destinataire_siren: n.destinataire_siren }).update({ statut: 'rendue', derniere_erreur: r.erreur.slice(0, 2000) });
      if (essai >= config.essais) return;
      await attendre(config.backoffMs * 2 ** (essai - 1));
    }
  };

  // rows are claimed ('rendue' → 'envoi_en_cours', sql/notifications/reserver.sql) a batch at a time, as many as
  // messages in flight, each batch before any of its SMTP transactions starts: a crash leaves at most the batch in
  // flight and the next one (with the accepted messages not yet recorded) « à vérifier »
  const parallele = Math.max(1, exp.parallelisme);
  let i = 0;
  const reservees: LigneNotification[] = [];
  let reservation: Promise<void> | undefined;
  let arret: unknown;
  const prochaine = async (): Promise<LigneNotification | undefined> => {
    while (!reservees.length && i < aEnvoyer.length && !registreEnPanne && arret === undefined) {
      reservation ??= (async () => {
        const lot = aEnvoyer.slice(i, i + parallele);
        i += lot.length;
        const prises = await runSql<{ destinataire_siren: string }>(knex, 'notifications/reserver.sql', { annee, sirens: lot.map((n) => n.destinataire_siren) });
        const ok = new Set(prises.map((p) => p.destinataire_siren));
        for (const n of lot) {
          if (ok.has(n.destinataire_siren)) reservees.push(n);
          else opts.progression?.('envoi', ++faites, aEnvoyer.length); // taken meanwhile by another sender
        }
      })().finally(() => {
        reservation = undefined;
      });
      await reservation;
    }
    return registreEnPanne || arret !== undefined ? undefined : reservees.shift();
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(parallele, aEnvoyer.length) }, async () => {
        try {
          for (let n = await prochaine(); n; n = await prochaine()) {
            await envoyerUne(n);
            opts.progression?.('envoi', ++faites, aEnvoyer.length);
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
        await knex('notification').where({ annee, statut: 'envoi_en_cours' }).whereIn('destinataire_siren', jamais)
          .update({ statut: 'rendue', tentatives: knex.raw('tentatives - 1') });
      }
    }
  }
  if (arret !== undefined) throw arret;
  return envoyees;
}

/** `atmp notifications send --annee N`: renders what is missing, sends what is unsent. Safe to re-run or kill. */
export async function envoyerNotifications(db: Db, opts: SendOptions): Promise<Statut & { rendues_ce_passage: number; envoyees_ce_passage: number; transport: string }> {
  const { annee } = opts;
  const config = opts.config ?? notificationsConfig();
  const outDir = opts.outDir ?? loadConfig().outDir;
  const c = await campagneValidee(db.knex, annee);
  const validee = new Date(c.validee_le);
  const run = await demarrerJob(db, 'notifications', String(annee), { recommencer: true });
  if (!run) throw new Error('unreachable: recommencer');
  let exp: Expediteur | undefined;
  try {
    // read once: what to render and what to send come from the same recipients' data
    const destinataires = await lireDestinataires(db.knex, annee, config, validee);
    const r = await rendreManquantes(db, opts, config, outDir, destinataires);
    let envoyees = 0;
    exp = opts.expediteur ?? (opts.sansEnvoi ? undefined : creerExpediteur(config, join(outDir, 'outbox', String(annee))));
    if (exp && !opts.sansEnvoi) envoyees = await envoyer(db, opts, config, outDir, destinataires, exp);
    const compteurs = await statutNotifications(db.knex, annee);
    await run.terminer({ rendues: r.rendues, envoyees });
    return { ...compteurs, rendues_ce_passage: r.rendues, envoyees_ce_passage: envoyees, transport: exp?.description ?? 'aucun (rendu seul)' };
  } catch (e) {
    await run.echouer(e).catch(() => {});
    throw e;
  } finally {
    if (exp && !opts.expediteur) await exp.fermer();
    await run.liberer();
  }
}

export interface Statut extends Compteurs {
  statut_campagne: string;
  problemes: { siren: string; raison_sociale: string; statut: string; tentatives: number; erreur: string | null; message_id: string }[];
}

export async function statutNotifications(knex: Knex, annee: number): Promise<Statut> {
  const c = await knex('campagne').where({ annee }).first();
  if (!c) throw new UserError(`aucune campagne ${annee}`);
  const [agg] = (await knex.raw(
    `select count(*)::int as destinataires,
            count(*) filter (where statut = 'rendue')::int as en_attente,
            count(*) filter (where statut = 'envoyee')::int as envoyees,
            count(*) filter (where statut = 'papier')::int as papier,
            count(*) filter (where statut = 'echec')::int as echecs,
            count(*) filter (where statut = 'envoi_en_cours')::int as a_verifier,
            count(*) filter (where statut = 'envoyee' and reputee_notifiee_le <= current_date)::int as reputees_notifiees,
            coalesce(sum(etablissements), 0)::int as sections
     from notification where annee = ?`,
    [annee],
  )).rows;
  const problemes = await knex('notification').where({ annee })
    .where((q) => q.whereIn('statut', ['echec', 'envoi_en_cours']).orWhere((q2) => q2.where('statut', 'rendue').whereNotNull('derniere_erreur')))
    .orderBy('destinataire_siren')
    .select('destinataire_siren as siren', 'raison_sociale', 'statut', 'tentatives', 'derniere_erreur as erreur', 'message_id');
  return { annee, statut_campagne: c.statut, rendues: agg.destinataires, ...agg, problemes };
}

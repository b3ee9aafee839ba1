/**
 * `atmp schedule`: a daemon (node-cron) running the jobs declared in a schedule file. Cron only triggers;
 * correctness lives in PostgreSQL: every run goes through the job ledger and its advisory lock (jobs/ledger.ts),
 * keyed by (job, period), so two daemons — or a daemon and an agent at the command line — never run one job twice.
 * Each run logs its start, end, counts and errors as one JSON line; SIGTERM stops the triggers, lets the running
 * job finish its batch, and exits.
 */
import { readFileSync, readdirSync, mkdirSync, renameSync, existsSync, statSync, type Stats } from 'node:fs';
import { join, basename } from 'node:path';
import cron from 'node-cron';
import { parse as parseYaml } from 'yaml';
import { openDb, type Db } from '../lib/db.ts';
import { UserError, formatProblem } from '../lib/errors.ts';
import { demarrerJob } from './ledger.ts';
import { lancerCampagne } from '../pipelines/campagne/run.ts';
import { importerSinistres } from '../pipelines/ingest-sinistres/import.ts';
import { importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { loadConfig } from '../lib/config.ts';
import { ingererFichiersDsn } from './ingestion-dsn.ts';
import { avecVerrouDonnees } from './verrou-donnees.ts';
import { ecrireAtomique } from '../lib/fichiers.ts';
import { messageSansSql } from '../lib/erreurs-environnement.ts';

export type TypeJob = 'ingestion' | 'campagne';

export interface JobPlanifie {
  nom: string;
  /** cron expression (minute hour day month weekday) */
  cron: string;
  type: TypeJob;
  /** ingestion: the inbox folder */
  dossier?: string;
  /** campagne: the rate year, or "suivante" for the year after the run date */
  annee?: number | 'suivante';
}

export interface Planification {
  fuseau: string;
  jobs: JobPlanifie[];
}

export function lirePlanification(fichier: string): Planification {
  let raw: unknown;
  try {
    const text = readFileSync(fichier, 'utf8');
    raw = fichier.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UserError(`${fichier}: illisible (${(e as Error).message})`);
  }
  const o = raw as { fuseau?: unknown; jobs?: unknown };
  if (!o || typeof o !== 'object' || !Array.isArray(o.jobs) || !o.jobs.length) throw new UserError(`${fichier}: une liste « jobs » est attendue`);
  const noms = new Set<string>();
  const jobs = o.jobs.map((j: Record<string, unknown>, i: number) => {
    const ou = `${fichier}: jobs[${i}]`;
    if (typeof j.nom !== 'string' || !/^[a-z0-9-]+$/.test(j.nom)) throw new UserError(`${ou}: nom (minuscules, chiffres, tirets) requis`);
    if (noms.has(j.nom)) throw new UserError(`${ou}: nom ${j.nom} en double`);
    noms.add(j.nom);
    if (typeof j.cron !== 'string' || !cron.validate(j.cron)) throw new UserError(`${ou} (${j.nom}): expression cron "${String(j.cron)}" invalide`);
    if (j.type === 'ingestion') {
      if (typeof j.dossier !== 'string') throw new UserError(`${ou} (${j.nom}): dossier de dépôt requis`);
      return { nom: j.nom, cron: j.cron, type: 'ingestion' as const, dossier: j.dossier };
    }
    if (j.type === 'campagne') {
      if (!(j.annee === 'suivante' || (Number.isInteger(j.annee) && (j.annee as number) >= 2017))) throw new UserError(`${ou} (${j.nom}): annee (AAAA ou "suivante") requise`);
      return { nom: j.nom, cron: j.cron, type: 'campagne' as const, annee: j.annee as number | 'suivante' };
    }
    throw new UserError(`${ou} (${j.nom}): type "${String(j.type)}" inconnu (ingestion, campagne)`);
  });
  return { fuseau: typeof o.fuseau === 'string' ? o.fuseau : 'Europe/Paris', jobs };
}

export type Journal = (evenement: Record<string, unknown>) => void;
export const journalJson: Journal = (e) => process.stdout.write(JSON.stringify({ t: new Date().toISOString(), ...e }) + '\n');

/**
 * Files of an inbox not yet processed, oldest first; an entry that cannot even be examined (broken link, loop of
 * links, no access) is returned apart, to be moved to rejetes/ instead of failing every trigger.
 */
function aTraiter(dossier: string, ext: RegExp): { fichiers: string[]; illisibles: { chemin: string; raison: string }[] } {
  if (!existsSync(dossier)) return { fichiers: [], illisibles: [] };
  const illisibles: { chemin: string; raison: string }[] = [];
  const lus: { chemin: string; st: Stats }[] = [];
  for (const f of readdirSync(dossier).filter((x) => ext.test(x))) {
    const chemin = join(dossier, f);
    try {
      lus.push({ chemin, st: statSync(chemin) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      illisibles.push({ chemin, raison: code === 'ELOOP' ? 'boucle de liens symboliques (ELOOP)' : code === 'ENOENT' ? 'lien symbolique cassé (cible introuvable)' : `illisible (${code ?? (e as Error).message})` });
    }
  }
  const fichiers = lus
    .filter((x) => x.st.isFile())
    .sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || a.chemin.localeCompare(b.chemin))
    .map((x) => x.chemin);
  return { fichiers, illisibles };
}

/** Moves a processed file to traites/ or rejetes/; a refused file gets its reason next to it (<name>.raison.txt). */
function ranger(fichier: string, sousDossier: 'traites' | 'rejetes', raison?: string) {
  const cible = join(fichier, '..', sousDossier);
  mkdirSync(cible, { recursive: true });
  renameSync(fichier, join(cible, basename(fichier)));
  if (sousDossier === 'rejetes') ecrireAtomique(join(cible, `${basename(fichier)}.raison.txt`), `${(raison ?? 'rejeté').trim()}\n`);
}

/** One ingestion of an inbox: DSN files, then référentiel and sinistres CSV; processed files are moved away. */
async function ingestion(db: Db, dossier: string) {
  const { outDir } = loadConfig();
  const { fichiers: dsn, illisibles: dsnIllisibles } = aTraiter(dossier, /\.dsn$/i);
  const { fichiers: csv, illisibles: csvIllisibles } = aTraiter(dossier, /\.csv$/i);
  const compteurs: Record<string, number> = { fichiers_dsn: dsn.length, fichiers_csv: csv.length, rejetes: 0 };
  for (const x of [...dsnIllisibles, ...csvIllisibles]) {
    ranger(x.chemin, 'rejetes', `${x.chemin}: ${x.raison}`);
    compteurs.rejetes++;
  }
  if (dsn.length) {
    const r = await ingererFichiersDsn(db, dsn);
    for (const f of dsn) ranger(f, r.rejetes.has(f) ? 'rejetes' : 'traites', r.rejetes.get(f));
    compteurs.rejetes += r.rejetes.size;
    compteurs.declarations_retenues = r.retenues;
  }
  const sinistres = csv.filter((f) => /sinistre/i.test(basename(f)));
  const referentiel = csv.filter((f) => !sinistres.includes(f));
  if (referentiel.length) {
    const r = await importerReferentiel(db.knex, referentiel);
    const charges = new Set(r.charges.map((c) => c.fichier));
    for (const f of referentiel) {
      if (charges.has(f)) ranger(f, 'traites');
      else ranger(f, 'rejetes', r.rejetes.filter((e) => e.message.startsWith(f)).map((e) => e.message).join('\n'));
    }
    compteurs.rejetes += referentiel.filter((f) => !charges.has(f)).length;
  }
  if (sinistres.length) {
    const res = await importerSinistres(db.knex, sinistres, { partiel: false, outDir });
    for (const r of res) {
      const raison = [`${r.fichier}: ${r.rejets.length} ligne(s) rejetée(s), rien n'a été chargé${r.rapport ? ` (rapport : ${r.rapport})` : ''}`, ...r.rejets.slice(0, 100).map(formatProblem)].join('\n');
      ranger(r.fichier, r.applique ? 'traites' : 'rejetes', raison);
    }
    compteurs.rejetes += res.filter((r) => !r.applique).length;
  }
  return compteurs;
}

/** Runs one job for one trigger, through the ledger: never twice for the same period. */
export async function executerJob(job: JobPlanifie, declenchement: Date, journal: Journal = journalJson): Promise<void> {
  const annee = job.type === 'campagne' ? (job.annee === 'suivante' ? declenchement.getFullYear() + 1 : job.annee!) : undefined;
  // the campaign shares the command line's ledger entry; an ingestion is one per trigger minute
  const periode = annee !== undefined ? String(annee) : declenchement.toISOString().slice(0, 16);
  let db: Db | undefined;
  try {
    db = await openDb();
    if (job.type === 'campagne') {
      journal({ job: job.nom, evenement: 'debut', periode });
      const r = await lancerCampagne(db, { annee: annee! });
      journal({ job: job.nom, evenement: r.deja_calculee ? 'deja_fait' : 'fin', periode, sections: r.sections, erreurs: r.erreurs, reprise: r.reprise ?? false });
      return;
    }
    const run = await demarrerJob(db, `ingestion-${job.nom}`, periode);
    if (!run) {
      journal({ job: job.nom, evenement: 'deja_fait', periode });
      return;
    }
    journal({ job: job.nom, evenement: 'debut', periode, reprise: run.reprise });
    try {
      const compteurs = await avecVerrouDonnees(db, `schedule ${job.nom} (ingestion de ${job.dossier})`, 'exclusif', () => ingestion(db!, job.dossier!));
      await run.terminer(compteurs);
      journal({ job: job.nom, evenement: 'fin', periode, ...compteurs });
    } catch (e) {
      await run.echouer(e);
      throw e;
    } finally {
      await run.liberer();
    }
  } catch (e) {
    journal({ job: job.nom, evenement: 'erreur', periode, erreur: e instanceof UserError ? e.message : messageSansSql(e) });
  } finally {
    await db?.close();
  }
}

/** Starts the daemon; resolves when it has stopped (SIGTERM / SIGINT, or the returned stop()). */
export function demarrerPlanificateur(plan: Planification, journal: Journal = journalJson): { arret: Promise<void>; arreter: () => void } {
  const enCours = new Set<Promise<void>>();
  const taches = plan.jobs.map((job) =>
    cron.schedule(
      job.cron,
      (ctx) => {
        const p = executerJob(job, ctx.triggeredAt ?? ctx.date, journal);
        enCours.add(p);
        return p.finally(() => enCours.delete(p));
      },
      { name: job.nom, timezone: plan.fuseau, noOverlap: true },
    ),
  );
  journal({ evenement: 'demarrage', jobs: plan.jobs.map((j) => ({ nom: j.nom, cron: j.cron, prochain: taches.find((t) => t.name === j.nom)?.getNextRun()?.toISOString() })) });
  let arreter!: () => void;
  const arret = new Promise<void>((resolve) => {
    arreter = () => {
      process.off('SIGTERM', arreter);
      process.off('SIGINT', arreter);
      journal({ evenement: 'arret_demande', en_cours: enCours.size });
      Promise.all(taches.map((t) => t.destroy()))
        .then(() => Promise.all([...enCours]))
        .then(() => {
          journal({ evenement: 'arrete' });
          resolve();
        });
    };
  });
  process.on('SIGTERM', arreter);
  process.on('SIGINT', arreter);
  return { arret, arreter };
}

/**
 * `atmp campagne run --annee N`: rates every establishment section for rate year N, company by company in SIREN
 * order, in batches. Each batch's results and the checkpoint (last SIREN) are committed in one transaction, so a
 * run killed at any point resumes from the last batch with identical results and no duplicate row. One run at a
 * time (advisory lock of the job ledger). `--dry-run` computes the same in one transaction rolled back at the end.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../../lib/db.ts';
import { UserError } from '../../lib/errors.ts';
import { runSql } from '../../lib/sql.ts';
import { withConnexion } from '../../lib/copy.ts';
import { demarrerJob } from '../../jobs/ledger.ts';
import { enregistrerDecisionsCampagne } from '../decisions/store.ts';
import { chargerBareme } from '../bareme/load.ts';
import { arreteDe } from '../bareme/reference.ts';
import { anneeEffectif, anneesDeReference, verifierAnnee } from '../../rules/periodes.ts';
import { RegleError } from '../../rules/explication.ts';
import type { BaremeAnnee } from '../../rules/bareme.ts';
import {
  tarifierEntreprise, type EffectifRow, type LigneTaux, type MasseRow, type SectionRow, type SinistreRow, type TauxPrecedentRow,
} from './tarifier.ts';

export interface CampagneOptions {
  annee: number;
  dryRun?: boolean;
  /** companies per batch */
  lot?: number;
  /** recompute a computed (not validated) campaign from scratch */
  recalculer?: boolean;
  progression?: (faites: number, total: number) => void;
  /** test hook: called after each committed batch */
  apresLot?: (numero: number) => void | Promise<void>;
}

export interface Resume {
  annee: number;
  statut: string;
  sections: number;
  calculees: number;
  erreurs: number;
  [k: string]: unknown;
}

/** Canonical fingerprint of the barème used, stored with every result. */
export function empreinteBareme(b: BaremeAnnee): string {
  const canon = JSON.stringify(b, (_k, v) => (v instanceof Map ? [...v].sort((x, y) => String(x[0]).localeCompare(String(y[0]))) : v));
  return createHash('sha256').update(canon).digest('hex').slice(0, 32);
}

const n = (d: { toString(): string } | null | undefined) => (d == null ? null : d.toString());
/** notified figures keep their 2 published decimals */
const n2 = (d: { toFixed(dp: number): string } | null | undefined) => (d == null ? null : d.toFixed(2));

export function ligneEnBase(annee: number, l: LigneTaux, bareme: string) {
  const r = l.resultat;
  return {
    annee, siret: l.siret, code_risque: l.code_risque, decision: 1, siren: l.siren, section: l.section,
    statut: r ? 'calcule' : 'erreur', erreur: l.erreur, alsace_moselle: l.alsace_moselle,
    ctn: r?.ctn ?? null, mode: r?.mode ?? null, motif_mode: r?.motifMode ?? null, notifie: r?.notifie ?? null,
    effectif: n2(r?.effectif), taux_collectif: n(r?.tauxCollectif),
    masse_salariale: n(r?.valeurDuRisque?.masseTotale), valeur_du_risque: n(r?.valeurDuRisque?.total),
    taux_brut: n(r?.tauxBrut), taux_net_individuel: n(r?.tauxNetIndividuel), fraction: n(r?.fraction),
    taux_calcule: n2(r?.tauxCalcule), taux_precedent: n(r?.tauxPrecedent),
    plancher: n2(r?.ecretement?.plancher), plafond: n2(r?.ecretement?.plafond),
    ecretement: r?.ecretement?.applique ? r.ecretement.sens : null, taux_notifie: n2(r?.tauxNotifie),
    groupe_tarification: l.groupe_tarification,
    explication: r ? JSON.stringify(r.explication) : null,
    bareme_empreinte: bareme, entrees_empreinte: l.entrees_empreinte,
  };
}

/** Reads the consolidated figures of a batch of companies (set-based SQL, sql/campagne/). */
export async function lireLot(conn: Knex | Knex.Transaction, annee: number, sirens: string[]) {
  const [debut, , fin] = anneesDeReference(annee);
  const [sections, masses, effectifs, sinistres, precedents] = await Promise.all([
    runSql<SectionRow>(conn, 'campagne/sections.sql', { sirens, annee }),
    runSql<MasseRow>(conn, 'campagne/masses-salariales.sql', { sirens, debut, fin }),
    runSql<EffectifRow>(conn, 'campagne/effectifs-mensuels.sql', { sirens, annee: anneeEffectif(annee) }),
    runSql<SinistreRow>(conn, 'campagne/sinistres.sql', { sirens, debut, fin }),
    runSql<TauxPrecedentRow>(conn, 'campagne/taux-precedents.sql', { sirens, annee: annee - 1 }),
  ]);
  const par = <T extends { siren?: string; siret?: string }>(rows: T[], cle: (r: T) => string) => {
    const m = new Map<string, T[]>();
    for (const r of rows) {
      const k = cle(r);
      const l = m.get(k);
      if (l) l.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const sir = (r: { siret?: string; siren?: string }) => r.siren ?? r.siret!.slice(0, 9);
  const bySections = par(sections, sir);
  const byMasses = par(masses, sir);
  const byEff = par(effectifs, sir);
  const bySin = par(sinistres, sir);
  const byPrec = par(precedents, sir);
  return sirens.map((siren) => ({
    siren,
    sections: bySections.get(siren) ?? [],
    masses: byMasses.get(siren) ?? [],
    effectifs: byEff.get(siren) ?? [],
    sinistres: bySin.get(siren) ?? [],
    tauxPrecedents: byPrec.get(siren) ?? [],
  }));
}

async function compterEntreprises(conn: Knex | Knex.Transaction, apres: string): Promise<number> {
  const r = await conn.raw('select count(distinct siren)::int as n from etablissement_section where siren > ?', [apres]);
  return Number(r.rows[0].n);
}

export async function resumeCampagne(conn: Knex | Knex.Transaction, annee: number): Promise<Resume> {
  const [{ resume }] = await runSql<{ resume: Record<string, unknown> }>(conn, 'campagne/resume.sql', { annee });
  const c = await conn('campagne').where({ annee }).first();
  return { annee, statut: c?.statut ?? 'absente', ...(typeof resume === 'string' ? JSON.parse(resume) : resume) } as Resume;
}

type LigneBase = ReturnType<typeof ligneEnBase>;

/** Rates the companies after `depart` in batches; the next batch is read while the current one is rated and written. */
async function calculer(conn: Knex | Knex.Transaction, bareme: BaremeAnnee, empreinte: string, opts: CampagneOptions, depart: string, commit: (sirens: string[], rows: LigneBase[]) => Promise<void>) {
  const annee = opts.annee;
  const lot = opts.lot ?? 500;
  const total = await compterEntreprises(conn, '');
  let faites = total - (await compterEntreprises(conn, depart));
  opts.progression?.(faites, total);
  const lire = async (apres: string) => {
    const sirens = (await runSql<{ siren: string }>(conn, 'campagne/lot-entreprises.sql', { apres, limite: lot })).map((r) => r.siren);
    return { sirens, donnees: sirens.length ? await lireLot(conn, annee, sirens) : [] };
  };
  let numero = 0;
  let suivant = lire(depart);
  for (;;) {
    const { sirens, donnees } = await suivant;
    if (!sirens.length) break;
    // a transaction's single connection cannot overlap reads and writes: prefetch only on the pool
    suivant = conn.isTransaction ? Promise.resolve({ sirens: [], donnees: [] }) : lire(sirens.at(-1)!);
    suivant.catch(() => {});
    const rows = donnees.flatMap((d) => tarifierEntreprise(d, bareme)).map((l) => ligneEnBase(annee, l, empreinte));
    await commit(sirens, rows);
    if (conn.isTransaction) suivant = lire(sirens.at(-1)!);
    faites += sirens.length;
    opts.progression?.(faites, total);
    await opts.apresLot?.(++numero);
  }
}

async function ecrire(trx: Knex.Transaction, rows: LigneBase[]) {
  for (let i = 0; i < rows.length; i += 500) await trx('campagne_taux').insert(rows.slice(i, i + 500));
}

const COLONNES_COPY = [
  'annee', 'siret', 'code_risque', 'decision', 'siren', 'section', 'statut', 'erreur', 'alsace_moselle', 'ctn', 'mode', 'motif_mode',
  'notifie', 'effectif', 'taux_collectif', 'masse_salariale', 'valeur_du_risque', 'taux_brut', 'taux_net_individuel', 'fraction',
  'taux_calcule', 'taux_precedent', 'plancher', 'plafond', 'ecretement', 'taux_notifie', 'groupe_tarification', 'explication',
  'bareme_empreinte', 'entrees_empreinte',
] as const;

/** One batch in one transaction on the raw connection: its rows bulk-loaded with COPY, and the checkpoint. */
async function ecrireCopy(db: Db, sirens: string[], rows: LigneBase[], checkpoint: { job: string; periode: string }) {
  // no delete first: a batch's rows are committed with the checkpoint that follows them, so the rows of a batch
  // after the checkpoint cannot exist (the primary key would refuse a duplicate anyway)
  await withConnexion(db, async (c) => {
    await c.copy('campagne_taux', [...COLONNES_COPY], rows.map((r) => COLONNES_COPY.map((k) => {
      const v = (r as Record<string, unknown>)[k];
      return v === null || v === undefined ? undefined : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
    })));
    await c.query('update job_run set checkpoint = $1 where job = $2 and periode = $3', [JSON.stringify({ siren: sirens.at(-1) }), checkpoint.job, checkpoint.periode]);
  });
}

export async function lancerCampagne(db: Db, opts: CampagneOptions): Promise<Resume & { deja_calculee?: boolean; reprise?: boolean }> {
  const { annee } = opts;
  try {
    verifierAnnee(annee);
  } catch (e) {
    throw new UserError((e as RegleError).message, 2);
  }
  const { knex } = db;
  const existante = await knex('campagne').where({ annee }).first();
  if (existante?.statut === 'validee') throw new UserError(`campagne ${annee} validée le ${new Date(existante.validee_le).toISOString().slice(0, 10)} : les taux sont figés`);
  const bareme = await chargerBareme(knex, annee);
  if (!bareme.tauxCollectifs.size) throw new UserError(`taux collectifs ${annee} non chargés (annexe 1 de l'${arreteDe(annee)}) : atmp bareme import --annee ${annee} FICHIER`);
  if (!bareme.majorations) throw new UserError(`majorations ${annee} non chargées : atmp bareme import --annee ${annee} FICHIER`);
  const empreinte = empreinteBareme(bareme);

  if (opts.dryRun) {
    // the same computation in one transaction, rolled back: nothing is kept
    let resume: Resume | undefined;
    await knex
      .transaction(async (trx) => {
        await trx('campagne').insert({ annee, statut: 'calcul', bareme_empreinte: empreinte }).onConflict('annee').merge();
        await trx('campagne_taux').where({ annee }).del();
        await calculer(trx, bareme, empreinte, opts, '', async (_sirens, rows) => ecrire(trx, rows));
        resume = await resumeCampagne(trx, annee);
        throw new Rollback();
      })
      .catch((e) => {
        if (!(e instanceof Rollback)) throw e;
      });
    return { ...resume!, statut: 'simulation (rien n’est enregistré)' };
  }

  const run = await demarrerJob(db, 'campagne', String(annee), { recommencer: opts.recalculer });
  if (!run) return { ...(await resumeCampagne(knex, annee)), deja_calculee: true };
  try {
    let depart = (run.checkpoint?.siren as string | undefined) ?? '';
    if (!run.reprise || existante?.bareme_empreinte !== empreinte) {
      // fresh start (or the barème changed since the interrupted run): everything is recomputed
      depart = '';
      await knex.transaction(async (trx) => {
        await trx('campagne_taux').where({ annee }).del();
        await trx('campagne').insert({ annee, statut: 'calcul', bareme_empreinte: empreinte, calculee_le: null, resume: null }).onConflict('annee').merge();
        await run.avancer(trx, { siren: '' });
      });
    }
    await calculer(knex, bareme, empreinte, opts, depart, (sirens, rows) => ecrireCopy(db, sirens, rows, run));
    const resume = await resumeCampagne(knex, annee);
    const { statut: _s, annee: _a, ...stocke } = resume;
    await knex('campagne').where({ annee }).update({ statut: 'calculee', calculee_le: knex.fn.now(), resume: JSON.stringify(stocke) });
    await run.terminer({ sections: resume.sections, erreurs: resume.erreurs });
    return { ...resume, statut: 'calculee', reprise: run.reprise };
  } catch (e) {
    await run.echouer(e).catch(() => {});
    throw e;
  } finally {
    await run.liberer();
  }
}

class Rollback extends Error {}

/** `atmp campagne valider`: an agent validates a computed campaign; its rates are frozen from then on. */
export async function validerCampagne(db: Db, annee: number, agent: string): Promise<Resume> {
  const { knex } = db;
  return knex.transaction(async (trx) => {
    const c = await trx('campagne').where({ annee }).forUpdate().first();
    if (!c) throw new UserError(`aucune campagne ${annee} : atmp campagne run --annee ${annee}`);
    if (c.statut === 'validee') throw new UserError(`campagne ${annee} déjà validée le ${new Date(c.validee_le).toISOString().slice(0, 10)}`);
    if (c.statut !== 'calculee') throw new UserError(`campagne ${annee} en cours de calcul : terminez « atmp campagne run --annee ${annee} » avant de valider`);
    await trx('campagne').where({ annee }).update({ statut: 'validee', validee_le: trx.fn.now(), validee_par: agent });
    // the frozen rates become the first decision of each section's history (pipelines/decisions)
    await enregistrerDecisionsCampagne(trx, annee, agent);
    return resumeCampagne(trx, annee);
  });
}

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
import { connexionSur, withConnexion, type Connexion } from '../../lib/copy.ts';
import { demarrerJob, verrouillerJob } from '../../jobs/ledger.ts';
import { verrouillerDonnees } from '../../jobs/verrou-donnees.ts';
import { pointArret } from '../../lib/arret-test.ts';
import { ecartsEntrees, fichiersDsnDepuis } from './verification.ts';
import { enregistrerDecisionsCampagne } from '../decisions/store.ts';
import { chargerBareme } from '../bareme/load.ts';
import { arreteDe } from '../bareme/reference.ts';
import { anneeEffectif, anneesDeReference, verifierAnnee } from '../../rules/periodes.ts';
import { RegleError } from '../../rules/explication.ts';
import { CTNS, categoriesAttendues, type BaremeAnnee } from '../../rules/bareme.ts';
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
  /**
   * provisional rates for year N before its arrêté: the rules of year N on the latest published barème that can
   * rate (its collective rates, majorations and coûts moyens); never validated nor notified
   */
  provisoire?: boolean;
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
  return {
    annee, statut: c?.statut ?? 'absente',
    ...(c?.provisoire ? { provisoire: true, bareme_annee: c.bareme_annee } : {}),
    ...(typeof resume === 'string' ? JSON.parse(resume) : resume),
  } as Resume;
}

type LigneBase = ReturnType<typeof ligneEnBase>;

/** Rates the companies after `depart` in batches; the next batch is read while the current one is rated and written. */
async function calculer(conn: Knex | Knex.Transaction, bareme: BaremeAnnee, empreinte: string, opts: CampagneOptions, depart: string, commit: (sirens: string[], rows: LigneBase[]) => Promise<void>, baremeProvisoireAnnee?: number) {
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
    const lignes = donnees.flatMap((d) => tarifierEntreprise(d, bareme));
    if (baremeProvisoireAnnee !== undefined) for (const l of lignes) marquerProvisoire(l, annee, baremeProvisoireAnnee);
    const rows = lignes.map((l) => ligneEnBase(annee, l, empreinte));
    await commit(sirens, rows);
    if (conn.isTransaction) suivant = lire(sirens.at(-1)!);
    faites += sirens.length;
    opts.progression?.(faites, total);
    await opts.apresLot?.(++numero);
  }
}

const COLONNES_COPY = [
  'annee', 'siret', 'code_risque', 'decision', 'siren', 'section', 'statut', 'erreur', 'alsace_moselle', 'ctn', 'mode', 'motif_mode',
  'notifie', 'effectif', 'taux_collectif', 'masse_salariale', 'valeur_du_risque', 'taux_brut', 'taux_net_individuel', 'fraction',
  'taux_calcule', 'taux_precedent', 'plancher', 'plafond', 'ecretement', 'taux_notifie', 'groupe_tarification', 'explication',
  'bareme_empreinte', 'entrees_empreinte',
] as const;

/**
 * One batch: its rows bulk-loaded with COPY, and the checkpoint, on one connection inside one transaction (the
 * caller's). The batch's rows are deleted first, so a batch is written whole whatever an interrupted run left
 * (a crash between a reset and its commit, a batch after the checkpoint): never a duplicate key.
 */
async function ecrireLot(c: Connexion, annee: number, sirens: string[], rows: LigneBase[], checkpoint?: { job: string; periode: string }) {
  await c.query('delete from campagne_taux where annee = $1 and siren = any($2::text[])', [annee, sirens]);
  await c.copy('campagne_taux', [...COLONNES_COPY], rows.map((r) => COLONNES_COPY.map((k) => {
    const v = (r as Record<string, unknown>)[k];
    return v === null || v === undefined ? undefined : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
  })));
  if (checkpoint) await c.query('update job_run set checkpoint = $1 where job = $2 and periode = $3', [JSON.stringify({ siren: sirens.at(-1) }), checkpoint.job, checkpoint.periode]);
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
  let bareme = await chargerBareme(knex, annee);
  let provisoire: { baremeAnnee: number; ecartees: string[] } | undefined;
  if (opts.provisoire) {
    if (bareme.tauxCollectifs.size && bareme.majorations) {
      throw new UserError(`barème ${annee} chargé : lancez la campagne réelle « atmp campagne run --annee ${annee} » (sans --provisoire), elle remplace la provisoire`, 2);
    }
    const choix = await baremeProvisoire(knex, annee);
    provisoire = { baremeAnnee: choix.bareme.annee, ecartees: choix.ecartees };
    // the rules of year N (reference years, effectif year, dated rules) on the values of the barème chosen
    bareme = { ...choix.bareme, annee };
  } else {
    const conseil = `; avant l'arrêté, des taux provisoires : atmp campagne run --annee ${annee} --provisoire`;
    if (!bareme.tauxCollectifs.size) throw new UserError(`taux collectifs ${annee} non chargés (annexe 1 de l'${arreteDe(annee)}) : atmp bareme import --annee ${annee} FICHIER${conseil}`);
    if (!bareme.majorations) throw new UserError(`majorations ${annee} non chargées : atmp bareme import --annee ${annee} FICHIER${conseil}`);
  }
  const empreinte = empreinteBareme(bareme);
  // a provisional campaign and the real one replace each other: never resumed one from the other
  if (existante && !!existante.provisoire !== !!provisoire && !opts.dryRun) opts = { ...opts, recalculer: true };

  const commande = `campagne run --annee ${annee}${opts.dryRun ? ' --dry-run' : ''}`;
  // the data lock first (an ingestion never runs under a campaign), then the campaign's own lock: a dry run and
  // a real run of the same year refuse each other instead of waiting on each other's rows
  const libererDonnees = await verrouillerDonnees(db, commande, 'partage');
  try {
    const r = opts.dryRun ? await simuler(db, bareme, empreinte, opts) : await calculerEtEnregistrer(db, bareme, empreinte, opts, existante, provisoire);
    return provisoire ? { ...r, provisoire: true, bareme_annee: provisoire.baremeAnnee, baremes_ecartes: provisoire.ecartees } : r;
  } finally {
    await libererDonnees();
  }
}

/**
 * --dry-run: the real write path (the same batches, deletes, COPY and summary) inside one transaction on one
 * connection, rolled back at the end. Holds the campaign's lock, as a real run does.
 */
async function simuler(db: Db, bareme: BaremeAnnee, empreinte: string, opts: CampagneOptions): Promise<Resume> {
  const { knex } = db;
  const { annee } = opts;
  const libererJob = await verrouillerJob(db, 'campagne', String(annee));
  let resume: Resume | undefined;
  const client = db.backend === 'pglite' ? db.pglite! : await knex.client.acquireConnection();
  try {
    await knex
      .transaction(
        async (trx) => {
          const c = connexionSur(db.backend, client);
          await trx('campagne').insert({ annee, statut: 'calcul', bareme_empreinte: empreinte }).onConflict('annee').merge();
          await trx('campagne_taux').where({ annee }).del();
          await calculer(trx, bareme, empreinte, opts, '', (sirens, rows) => ecrireLot(c, annee, sirens, rows));
          resume = await resumeCampagne(trx, annee);
          throw new Rollback();
        },
        db.backend === 'pglite' ? undefined : { connection: client },
      )
      .catch((e) => {
        if (!(e instanceof Rollback)) throw e;
      });
  } finally {
    if (db.backend !== 'pglite') await knex.client.releaseConnection(client);
    await libererJob();
  }
  return { ...resume!, statut: 'simulation (rien n’est enregistré)' };
}

async function calculerEtEnregistrer(db: Db, bareme: BaremeAnnee, empreinte: string, opts: CampagneOptions, existante: Record<string, any> | undefined, provisoire?: { baremeAnnee: number }) {
  const { knex } = db;
  const { annee } = opts;
  const run = await demarrerJob(db, 'campagne', String(annee), { recommencer: opts.recalculer });
  if (!run) return { ...(await resumeCampagne(knex, annee)), deja_calculee: true };
  try {
    pointArret('campagne-apres-ledger');
    let depart = (run.checkpoint?.siren as string | undefined) ?? '';
    // a fresh start, a barème changed since the interrupted run, or an interrupted run whose reset never
    // committed (no checkpoint yet, or the campaign not back in 'calcul'): everything is recomputed
    if (!run.reprise || run.checkpoint?.siren === undefined || existante?.statut !== 'calcul' || existante?.bareme_empreinte !== empreinte) {
      depart = '';
      await knex.transaction(async (trx) => {
        await trx('campagne_taux').where({ annee }).del();
        await trx('campagne').insert({ annee, statut: 'calcul', bareme_empreinte: empreinte, calculee_le: null, resume: null, provisoire: !!provisoire, bareme_annee: provisoire?.baremeAnnee ?? annee }).onConflict('annee').merge();
        await run.avancer(trx, { siren: '' });
        pointArret('campagne-reset-avant-commit');
      });
    }
    await calculer(knex, bareme, empreinte, opts, depart, (sirens, rows) => withConnexion(db, (c) => ecrireLot(c, annee, sirens, rows, run)), provisoire?.baremeAnnee);
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

/** A provisional campaign is neither validated nor notified. */
export function refuserSiProvisoire(c: { annee: number; provisoire?: boolean; bareme_annee?: number | null } | undefined, quoi: string): void {
  if (!c?.provisoire) return;
  throw new UserError(
    `campagne ${c.annee} provisoire (calculée sur le barème ${c.bareme_annee}, avant l'${arreteDe(c.annee)}) : elle ne peut être ${quoi} ; importez le barème ${c.annee} (atmp bareme import --annee ${c.annee} FICHIER) puis lancez « atmp campagne run --annee ${c.annee} », qui la remplace`,
  );
}

/** Refuses `notifications send` on a provisional campaign (called at the command's entry). */
export async function refuserNotificationsProvisoires(knex: Knex, annee: number): Promise<void> {
  refuserSiProvisoire(await knex('campagne').where({ annee }).first(), 'notifiée');
}

/**
 * The barème of a provisional campaign N: the latest year before N whose barème can rate — collective rates,
 * majorations and the complete coûts moyens grid of at least one CTN. The years passed over are named with why.
 */
export async function baremeProvisoire(knex: Knex, annee: number): Promise<{ bareme: BaremeAnnee; ecartees: string[] }> {
  const ecartees: string[] = [];
  for (let a = annee - 1; a >= annee - 6; a--) {
    const b = await chargerBareme(knex, a);
    const manque = !b.tauxCollectifs.size ? 'taux collectifs non chargés'
      : !b.majorations ? 'majorations non chargées'
      : !CTNS.some((t) => categoriesAttendues(t).every((c) => b.coutsMoyens.get(t)?.has(c))) ? "coûts moyens d'aucun CTN complets"
      : undefined;
    if (!manque) return { bareme: b, ecartees };
    ecartees.push(`${a} : ${manque}`);
  }
  throw new UserError(`aucun barème publié de ${annee - 6} à ${annee - 1} ne permet de tarifier à titre provisoire (${ecartees.join(' ; ')})`);
}

/** Marks a provisional rate in its explanation: first step, naming the barème used. */
function marquerProvisoire(l: LigneTaux, annee: number, baremeAnnee: number) {
  l.resultat?.explication.unshift({
    id: 'bareme_provisoire',
    regle: `taux PROVISOIRE : règles de ${annee} appliquées au barème ${baremeAnnee} (dernier barème publié qui tarifie), en attendant l'${arreteDe(annee)} ; ni validable ni notifiable`,
    reference: `${arreteDe(baremeAnnee)}`,
    entrees: { annee: String(annee), bareme: String(baremeAnnee) },
    valeur: 'provisoire',
  });
}

/**
 * `atmp campagne valider`: an agent validates a computed campaign; its rates are frozen from then on. Refused
 * when the DSN, claims or référentiel changed since the computation (each section's stored input hash), or the
 * barème did: the establishments concerned are listed, and `campagne run --recalculer` is needed first.
 */
export async function validerCampagne(db: Db, annee: number, agent: string): Promise<Resume> {
  const { knex } = db;
  const c0 = await knex('campagne').where({ annee }).first();
  if (!c0) throw new UserError(`aucune campagne ${annee} : atmp campagne run --annee ${annee}`);
  if (c0.statut === 'validee') throw new UserError(`campagne ${annee} déjà validée le ${new Date(c0.validee_le).toISOString().slice(0, 10)}`);
  if (c0.statut !== 'calculee') throw new UserError(`campagne ${annee} en cours de calcul : terminez « atmp campagne run --annee ${annee} » avant de valider`);
  refuserSiProvisoire(c0, 'validée');
  // no ingestion between the check and the freeze
  const libererDonnees = await verrouillerDonnees(db, `campagne valider --annee ${annee}`, 'partage');
  try {
    const bareme = await chargerBareme(knex, annee);
    if (empreinteBareme(bareme) !== c0.bareme_empreinte) {
      throw new UserError(`campagne ${annee} non validée : le barème ${annee} a changé depuis le calcul du ${new Date(c0.calculee_le).toISOString().slice(0, 16).replace('T', ' ')} ; relancez « atmp campagne run --annee ${annee} --recalculer »`);
    }
    const ecarts = await ecartsEntrees(knex, annee, bareme, lireLot);
    if (ecarts.length) {
      const sirets = [...new Set(ecarts.map((e) => e.siret))];
      const fichiers = await fichiersDsnDepuis(knex, sirets, c0.calculee_le);
      const motif = { donnees_modifiees: 'données modifiées', section_nouvelle: 'section nouvelle', section_disparue: 'section disparue' };
      const liste = ecarts.slice(0, 50).map((e) => `  ${e.siret} ${e.code_risque} : ${motif[e.motif]}`);
      throw new UserError(
        [
          `campagne ${annee} non validée : DSN, sinistres ou référentiel modifiés depuis le calcul du ${new Date(c0.calculee_le).toISOString().slice(0, 16).replace('T', ' ')} UTC pour ${sirets.length} établissement(s) (${ecarts.length} section(s)) :`,
          ...liste,
          ...(ecarts.length > 50 ? [`  … et ${ecarts.length - 50} autre(s)`] : []),
          ...(fichiers.length ? [`  fichiers DSN chargés depuis : ${fichiers.join(', ')}`] : []),
          `relancez « atmp campagne run --annee ${annee} --recalculer », contrôlez, puis validez`,
        ].join('\n'),
      );
    }
    return await knex.transaction(async (trx) => {
      const c = await trx('campagne').where({ annee }).forUpdate().first();
      if (c.statut !== 'calculee' || String(c.calculee_le) !== String(c0.calculee_le)) throw new UserError(`campagne ${annee} recalculée pendant la vérification : relancez la validation`);
      await trx('campagne').where({ annee }).update({ statut: 'validee', validee_le: trx.fn.now(), validee_par: agent });
      // the frozen rates become the first decision of each section's history (pipelines/decisions)
      await enregistrerDecisionsCampagne(trx, annee, agent);
      return resumeCampagne(trx, annee);
    });
  } finally {
    await libererDonnees();
  }
}

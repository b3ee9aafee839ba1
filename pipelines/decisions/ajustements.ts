/**
 * `atmp decision ristourne|ristourne-trajet|cotisation-supplementaire`: Carsat decisions applied on top of the
 * rate in force (after écrêtement), recorded in decision_taux, one per rate year they cover. The rules decide
 * (rules/ristourne.ts, rules/cotisation-supplementaire.ts); this module reads the facts and records.
 */
import type { Knex } from 'knex';
import type { Db } from '../../lib/db.ts';
import { UserError } from '../../lib/errors.ts';
import { runSql } from '../../lib/sql.ts';
import { D, type Decimal } from '../../rules/decimal.ts';
import type { Etape } from '../../rules/explication.ts';
import {
  coutAjustement, premierDuMoisSuivant, ristourneTrajet, ristourneTravail, unAnMoinsUnJour, verifierBudgetRistournes, PLAFOND_BUDGET_RISTOURNES,
} from '../../rules/ristourne.ts';
import { cotisationSupplementaire, finCotisation, type StadeCotisation } from '../../rules/cotisation-supplementaire.ts';
import { chargerBareme } from '../bareme/load.ts';
import { enregistrerDecision, enVigueur, regle, lireDecisions, normaliser, versRegle, type LigneDecision } from './store.ts';
import { calendrier, type Decision } from '../../rules/taux-en-vigueur.ts';

export interface Demande {
  siret: string;
  codeRisque: string;
  section?: 'principale' | 'fsna' | 'bureau';
  agent: string;
  motif?: string;
}

export interface ResultatAjustement {
  decisions: (LigneDecision & { nouvelle: boolean })[];
  /** parts of the period in a rate year with no rate decided yet: a decision to take once that rate is notified */
  restes: { annee: number; debut: string; fin: string }[];
}

/** Rate years of a period, each with its part of the period. */
function parAnnee(debut: string, fin: string) {
  const out: { annee: number; debut: string; fin: string }[] = [];
  for (let a = Number(debut.slice(0, 4)); a <= Number(fin.slice(0, 4)); a++) {
    out.push({ annee: a, debut: a === Number(debut.slice(0, 4)) ? debut : `${a}-01-01`, fin: a === Number(fin.slice(0, 4)) ? fin : `${a}-12-31` });
  }
  return out;
}
const moisCouverts = (debut: string, fin: string) => (Number(fin.slice(0, 4)) - Number(debut.slice(0, 4))) * 12 + Number(fin.slice(5, 7)) - Number(debut.slice(5, 7)) + 1;

/** The base decision of the section on a date, and the campaign figures (mode, TC, f) behind it. */
async function base(trx: Knex.Transaction, d: Demande, annee: number, date: string) {
  const v = await enVigueur(trx, { siret: d.siret, code_risque: d.codeRisque, annee, section: d.section }, date);
  if (!v) return null;
  const sections = new Set((await lireDecisions(trx, { sirets: [d.siret], annee })).filter((x) => x.code_risque === d.codeRisque).map((x) => x.section));
  if (!d.section && sections.size > 1) throw new UserError(`${d.siret} ${d.codeRisque} a plusieurs sections en ${annee} (${[...sections].join(', ')}) : précisez --section`);
  let mode: 'collectif' | 'mixte' | 'individuel' = 'collectif';
  let tauxCollectif = D(v.base.taux);
  let fraction: Decimal | null = null;
  if (v.base.campagne_decision != null) {
    const t = await trx('campagne_taux').where({ annee, siret: d.siret, code_risque: d.codeRisque, decision: v.base.campagne_decision }).first();
    if (t) {
      mode = t.mode;
      tauxCollectif = D(t.taux_collectif);
      fraction = t.fraction == null ? null : D(t.fraction);
    }
  }
  return { ...v, mode, tauxCollectif, fraction, tauxBase: D(v.base.taux) };
}

async function budgetAnnee(conn: Knex | Knex.Transaction, annee: number) {
  const [r] = await runSql<{ cotisations: string; etablissements: number }>(conn, 'decisions/cotisations-region.sql', { annee });
  const accorde = await conn('decision_taux').where({ annee, nature: 'ristourne' }).sum({ s: 'cout_estime' }).first();
  return { cotisations: D(r.cotisations), etablissements: r.etablissements, accorde: D((accorde?.s as string | null) ?? 0) };
}

/** `atmp decisions budget --annee N`: the ristournes budget of the year and what is used. */
export async function budgetRistournes(conn: Knex, annee: number) {
  const b = await budgetAnnee(conn, annee);
  const plafond = b.cotisations.times(PLAFOND_BUDGET_RISTOURNES);
  const liste = await conn('decision_taux').where({ annee, nature: 'ristourne' }).orderBy('id').select('id', 'siret', 'code_risque', 'pourcentage', 'points', 'debut', 'fin', 'cout_estime');
  return {
    annee, cotisations_region: b.cotisations.toFixed(2), etablissements: b.etablissements, plafond: plafond.toFixed(2),
    accorde: b.accorde.toFixed(2), disponible: plafond.minus(b.accorde).toFixed(2),
    taux_utilise: plafond.gt(0) ? b.accorde.div(plafond).times(100).toFixed(1) : null,
    ristournes: liste.map((l: any) => ({ ...l, id: Number(l.id) })),
  };
}

type Calcul = (trx: Knex.Transaction, ctx: NonNullable<Awaited<ReturnType<typeof base>>>, periode: { annee: number; debut: string; fin: string }) => Promise<{
  taux: Decimal; points: Decimal; pourcentage: Decimal; etapes: Etape[]; cout?: Decimal; baseLegale: string; remplace?: number | null; motif?: string;
}>;

async function enregistrerParAnnee(db: Db, d: Demande, nature: 'ristourne' | 'ristourne_trajet' | 'cotisation_supplementaire', debut: string, fin: string, cle: string, motif: string, calcul: Calcul): Promise<ResultatAjustement> {
  return db.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-decisions']);
    const res: ResultatAjustement = { decisions: [], restes: [] };
    for (const p of parAnnee(debut, fin)) {
      const ctx = await base(trx, d, p.annee, p.debut);
      if (!ctx) {
        if (p.annee === Number(debut.slice(0, 4))) throw new UserError(`aucun taux en vigueur le ${p.debut} pour ${d.siret} ${d.codeRisque} : campagne ${p.annee} non validée ou section inconnue`);
        res.restes.push(p);
        continue;
      }
      const cleAnnee = `${cle}/${p.annee}`;
      const existante = await trx('decision_taux').where({ cle: cleAnnee }).first();
      if (existante) {
        // the same decision, recorded before: nothing changes
        res.decisions.push({ ...normaliser(existante), nouvelle: false });
        continue;
      }
      const c = await calcul(trx, ctx, p);
      // the rate in force from the start of the decision, with the other adjustments in force on the section
      const section = (await lireDecisions(trx, { sirets: [d.siret], annee: p.annee })).filter((x) => x.code_risque === d.codeRisque && x.section === ctx.calendrier.section);
      const cetteDecision: Decision = { id: Number.MAX_SAFE_INTEGER, nature, taux: c.taux, pourcentage: c.pourcentage, points: c.points, debut: p.debut, fin: p.fin, remplaceId: c.remplace ?? null };
      const enVigueurApres = calendrier([...section.map(versRegle), cetteDecision]).find((x) => x.debut <= p.debut && x.fin >= p.debut)?.taux ?? c.taux;
      c.etapes.push({
        id: 'taux_en_vigueur', regle: 'taux en vigueur à compter de la décision : taux de base et ajustements en cours (ristournes, cotisations supplémentaires)',
        reference: 'arrêté du 9 décembre 2010', entrees: { taux_avant: ctx.segment.taux.toFixed(2), taux_base: ctx.tauxBase.toFixed(2) }, valeur: enVigueurApres.toFixed(2),
      });
      c.taux = enVigueurApres;
      const { decision, nouvelle } = await enregistrerDecision(trx, {
        siret: d.siret, siren: d.siret.slice(0, 9), code_risque: d.codeRisque, section: ctx.calendrier.section, annee: p.annee, nature,
        taux: c.taux.toFixed(2), pourcentage: c.pourcentage.toString(), points: c.points.toString(), debut: p.debut, fin: p.fin,
        motif: c.motif ?? motif, base_legale: c.baseLegale, remplace_id: c.remplace ?? null, decide_par: d.agent, cout_estime: c.cout?.toFixed(2) ?? null,
        explication: [...(ctx.base.explication ?? []).slice(-1), ...c.etapes], cle: cleAnnee,
      });
      res.decisions.push({ ...decision, nouvelle });
    }
    return res;
  });
}

/** Ristourne travail (arrêté du 9 décembre 2010 art. 2, 3, 7): refused beyond the year's budget. */
export async function accorderRistourne(db: Db, d: Demande & { pourcentage: string; dateDecision: string; fin?: string }) {
  const debut = premierDuMoisSuivant(d.dateDecision);
  const fin = d.fin ?? unAnMoinsUnJour(debut);
  const pct = decimal(d.pourcentage, '--pourcentage');
  const motif = d.motif ?? `ristourne travail de ${d.pourcentage} % du taux collectif (mesures de prévention)`;
  const motifMixte = d.motif ?? `ristourne travail de ${d.pourcentage} % de la part collective (1 − f) × taux collectif du taux mixte (mesures de prévention)`;
  return enregistrerParAnnee(db, d, 'ristourne', debut, fin, `ristourne/${d.siret}/${d.codeRisque}/${d.section ?? ''}/${d.dateDecision}`, motif, async (trx, ctx, p) => {
    const r = regle(() => ristourneTravail({ annee: p.annee, mode: ctx.mode, tauxCollectif: ctx.tauxCollectif, fraction: ctx.fraction, tauxEnVigueur: ctx.tauxBase, pourcentage: pct, dateDecision: d.dateDecision, fin }));
    const [{ masse }] = await runSql<{ masse: string }>(trx, 'decisions/masse-etablissement.sql', { siret: d.siret, annee: p.annee });
    const cout = coutAjustement(D(masse), r.points, moisCouverts(p.debut, p.fin));
    const b = await budgetAnnee(trx, p.annee);
    const v = regle(() => verifierBudgetRistournes(b.cotisations, b.accorde, cout));
    return { taux: r.taux, points: r.points, pourcentage: pct, etapes: [r.etape, v.etape], cout, baseLegale: 'arrêté du 9 décembre 2010 art. 2, 3 et 7', motif: ctx.mode === 'mixte' ? motifMixte : motif };
  });
}

/** Ristourne trajet (arrêté du 19 septembre 1977): a share of the year's M1. */
export async function accorderRistourneTrajet(db: Db, d: Demande & { pourcentage: string; dateDecision: string; fin?: string }) {
  const debut = premierDuMoisSuivant(d.dateDecision);
  const fin = d.fin ?? unAnMoinsUnJour(debut);
  const pct = decimal(d.pourcentage, '--pourcentage');
  const motif = d.motif ?? `ristourne trajet de ${d.pourcentage} % de la majoration trajet (mesures de prévention du risque trajet)`;
  return enregistrerParAnnee(db, d, 'ristourne_trajet', debut, fin, `ristourne-trajet/${d.siret}/${d.codeRisque}/${d.section ?? ''}/${d.dateDecision}`, motif, async (trx, ctx, p) => {
    const bareme = await chargerBareme(trx as unknown as Knex, p.annee);
    if (!bareme.majorations) throw new UserError(`majorations ${p.annee} non chargées : M1 inconnu`);
    const m1 = bareme.majorations.m1;
    const r = regle(() => ristourneTrajet({ m1, tauxEnVigueur: ctx.tauxBase, pourcentage: pct, dateDecision: d.dateDecision, fin }));
    return { taux: r.taux, points: r.points, pourcentage: pct, etapes: [r.etape], baseLegale: 'arrêté du 19 septembre 1977' };
  });
}

/** Cotisation supplémentaire (arrêté du 9 décembre 2010 art. 8–10); a raised one replaces the one in force. */
export async function imposerCotisation(db: Db, d: Demande & { stade: StadeCotisation; pourcentage?: string; dateConstat: string; fin?: string }) {
  const fin = d.fin ?? `${d.dateConstat.slice(0, 4)}-12-31`;
  const pct = d.pourcentage === undefined ? undefined : decimal(d.pourcentage, '--pourcentage');
  const motif = d.motif ?? `cotisation supplémentaire (${d.stade}) : risque constaté le ${d.dateConstat}`;
  return enregistrerParAnnee(db, d, 'cotisation_supplementaire', d.dateConstat, fin, `cotisation/${d.siret}/${d.codeRisque}/${d.section ?? ''}/${d.dateConstat}/${d.stade}`, motif, async (trx, ctx, p) => {
    const toutes = await trx('decision_taux').where({ siret: d.siret, nature: 'cotisation_supplementaire' }).orderBy('id').select('id', 'debut', 'annee', 'code_risque', 'fin');
    const precedentes = toutes.map((t: any) => normaliser(t)).filter((t) => t.debut < d.dateConstat).map((t) => t.debut);
    const r = regle(() => cotisationSupplementaire({ stade: d.stade, pourcentage: pct, tauxEnVigueur: ctx.tauxBase, dateConstat: p.debut, fin: p.fin, precedentes }));
    // a raised cotisation (50 %, then 200 %) replaces the one in force on the section
    const enCours = ctx.segment.ajustements.length
      ? (await trx('decision_taux').whereIn('id', ctx.segment.ajustements).where({ nature: 'cotisation_supplementaire' }).orderBy('id', 'desc').first())
      : undefined;
    return { taux: r.taux, points: r.points, pourcentage: r.pourcentage, etapes: [r.etape], baseLegale: r.etape.reference, remplace: enCours ? Number(enCours.id) : null };
  });
}

/** The measures are carried out on `date`: the cotisation supplémentaire in force ends the day before. */
export async function terminerCotisation(db: Db, d: Demande & { date: string }) {
  const annee = Number(d.date.slice(0, 4));
  return enregistrerParAnnee(db, d, 'cotisation_supplementaire', d.date, `${annee}-12-31`, `fin-cotisation/${d.siret}/${d.codeRisque}/${d.section ?? ''}/${d.date}`, d.motif ?? `mesures réalisées le ${d.date} : fin de la cotisation supplémentaire`, async (trx, ctx) => {
    const enCours = ctx.segment.ajustements.length
      ? await trx('decision_taux').whereIn('id', ctx.segment.ajustements).where({ nature: 'cotisation_supplementaire' }).orderBy('id', 'desc').first()
      : undefined;
    if (!enCours) throw new UserError(`aucune cotisation supplémentaire en cours le ${d.date} pour ${d.siret} ${d.codeRisque}`);
    const r = regle(() => finCotisation({ dateRealisation: d.date, debutEnCours: normaliser(enCours).debut }));
    return { taux: ctx.tauxBase, points: r.points, pourcentage: r.pourcentage, etapes: [r.etape], baseLegale: 'arrêté du 9 décembre 2010 art. 8', remplace: Number(enCours.id) };
  });
}

function decimal(v: string, option: string): Decimal {
  const t = v.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) throw new UserError(`${option} ${v} : nombre décimal attendu`, 2);
  return D(t);
}

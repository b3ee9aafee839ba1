/**
 * `atmp decision creation|reclassement`: a section created during the year (new establishment, FSNA section
 * granted) or a change of code risque gets the collective rate of the year for the rest of the year
 * (rules/decision-en-cours-annee.ts), notified on demand without waiting for the next campaign.
 */
import type { Knex } from 'knex';
import type { Db } from '../../lib/db.ts';
import { UserError } from '../../lib/errors.ts';
import { decisionEnCoursAnnee } from '../../rules/decision-en-cours-annee.ts';
import { normaliserCodeRisque } from '../../rules/bareme.ts';
import { chargerBareme } from '../bareme/load.ts';
import { enregistrerDecision, enVigueur, regle, type LigneDecision } from './store.ts';

async function tauxCollectif(trx: Knex.Transaction, siret: string, code: string, annee: number) {
  const e = await trx('etablissement').where({ siret }).first();
  const alsaceMoselle = !!e?.alsace_moselle;
  const b = await chargerBareme(trx as unknown as Knex, annee);
  if (!b.codes.has(code)) throw new UserError(`code risque ${code} inconnu du barème ${annee}`);
  return { alsaceMoselle, taux: (alsaceMoselle ? b.tauxCollectifsAlsaceMoselle : b.tauxCollectifs).get(code)?.taux };
}

export async function deciderCreation(db: Db, d: { siret: string; codeRisque: string; section: 'principale' | 'fsna'; date: string; agent: string; motif?: string }): Promise<{ decision: LigneDecision; nouvelle: boolean }> {
  const code = normaliserCodeRisque(d.codeRisque);
  const annee = Number(d.date.slice(0, 4));
  return db.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-decisions']);
    const cle = `creation/${d.siret}/${code}/${d.section}/${d.date}`;
    const deja = await trx('decision_taux').where({ cle }).first();
    if (!deja) {
      const v = await enVigueur(trx, { siret: d.siret, code_risque: code, annee, section: d.section }, d.date);
      if (v) throw new UserError(`${d.siret} ${code} section ${d.section} a déjà un taux en vigueur le ${d.date} (décision n° ${v.base.id}, ${v.base.nature})`);
    }
    const tc = await tauxCollectif(trx, d.siret, code, annee);
    const r = regle(() => decisionEnCoursAnnee({ evenement: 'creation', annee, date: d.date, codeRisque: code, tauxCollectif: tc.taux, alsaceMoselle: tc.alsaceMoselle }));
    return enregistrerDecision(trx, {
      siret: d.siret, siren: d.siret.slice(0, 9), code_risque: code, section: d.section, annee, nature: 'creation', taux: r.taux.toFixed(2),
      debut: r.debut, fin: r.fin, motif: d.motif ?? (d.section === 'fsna' ? `section FSNA accordée à compter du ${d.date}` : `établissement créé le ${d.date}`),
      base_legale: r.reference, decide_par: d.agent, explication: [r.etape], cle,
    });
  });
}

export async function deciderReclassement(db: Db, d: { siret: string; ancienCode: string; codeRisque: string; date: string; agent: string; motif?: string }): Promise<{ decision: LigneDecision; nouvelle: boolean; remplacee: LigneDecision }> {
  const ancien = normaliserCodeRisque(d.ancienCode);
  const code = normaliserCodeRisque(d.codeRisque);
  if (ancien === code) throw new UserError('reclassement : le nouveau code risque est celui en vigueur', 2);
  const annee = Number(d.date.slice(0, 4));
  return db.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-decisions']);
    const cle = `reclassement/${d.siret}/${ancien}/${code}/${d.date}`;
    const deja = await trx('decision_taux').where({ cle }).first();
    let remplacee: LigneDecision;
    if (deja) remplacee = (await trx('decision_taux').where({ id: deja.remplace_id }).first()) as LigneDecision;
    else {
      const v = await enVigueur(trx, { siret: d.siret, code_risque: ancien, annee }, d.date);
      if (!v) throw new UserError(`${d.siret} n'a pas de taux en vigueur sous le code ${ancien} le ${d.date}`);
      remplacee = v.base;
    }
    const tc = await tauxCollectif(trx, d.siret, code, annee);
    const r = regle(() => decisionEnCoursAnnee({ evenement: 'reclassement', annee, date: d.date, codeRisque: code, tauxCollectif: tc.taux, alsaceMoselle: tc.alsaceMoselle }));
    const res = await enregistrerDecision(trx, {
      siret: d.siret, siren: d.siret.slice(0, 9), code_risque: code, section: remplacee.section, annee, nature: 'reclassement', taux: r.taux.toFixed(2),
      debut: r.debut, fin: r.fin, motif: d.motif ?? `reclassement du code ${ancien} au code ${code} à compter du ${d.date}`,
      base_legale: r.reference, remplace_id: Number(remplacee.id), decide_par: d.agent, explication: [r.etape], cle,
    });
    return { ...res, remplacee };
  });
}

/** Records a recours against a rate decision: the rate is no longer final (rules/rectification.ts). */
export async function enregistrerRecours(db: Db, d: { siret: string; codeRisque: string; annee: number; date: string; instance: string }) {
  const code = normaliserCodeRisque(d.codeRisque);
  const dec = await db.knex('decision_taux').where({ siret: d.siret, code_risque: code, annee: d.annee }).whereIn('nature', ['campagne', 'rectification', 'creation', 'reclassement']).orderBy('id', 'desc').first();
  if (!dec) throw new UserError(`aucune décision de taux ${d.annee} pour ${d.siret} ${code}`);
  await db.knex('recours_taux').insert({ decision_id: dec.id, forme_le: d.date, instance: d.instance }).onConflict(['decision_id', 'forme_le', 'instance']).ignore();
  return { decision: Number(dec.id) };
}

/** Records the certain date a year's decisions were notified (the only field of a decision filled in later). */
export async function enregistrerNotification(knex: Knex, d: { annee: number; date: string; siret?: string }): Promise<number> {
  const q = knex('decision_taux').where({ annee: d.annee }).whereNull('notifiee_le');
  if (d.siret) q.where({ siret: d.siret });
  return q.update({ notifiee_le: d.date });
}

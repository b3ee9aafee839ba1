/**
 * The letters of the decisions taken after the campaign (templates/lettre-decision.ts): every decision not yet in a
 * letter (notification_ref null, campaign decisions excepted: the campaign's notifications carry them) is put in one
 * PDF per recipient, grouped as the campaign's (group head or siège), under <out>/decisions/<date>/. The letter's
 * path is recorded on its decisions, so a second run writes nothing. The letters are not sent: the outbox that
 * sends the campaign's notifications is being reworked (docs/decisions.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../lib/db.ts';
import { runSql } from '../../lib/sql.ts';
import { notificationsConfig } from '../notifications/config.ts';
import { rendreDefinition } from '../notifications/rendu.ts';
import { definitionLettre, type DecisionLettre } from '../../templates/lettre-decision.ts';

export interface Lettre { destinataire: string; chemin: string; decisions: number[] }

export async function rendreLettres(db: Db, o: { outDir: string; date: string }): Promise<Lettre[]> {
  const { knex } = db;
  const attente = await knex('decision_taux as d').leftJoin('decision_taux as a', 'a.id', 'd.remplace_id')
    .whereNull('d.notification_ref').whereNot('d.nature', 'campagne')
    .select('d.*', 'a.taux as ancien_base').orderBy('d.id');
  if (!attente.length) return [];
  const sirens = [...new Set(attente.map((d: any) => d.siren as string))];
  const dest = new Map((await runSql<any>(knex, 'decisions/destinataires.sql', { sirens })).map((r) => [r.siren, r]));
  const groupes = new Map<string, { info: any; decisions: (DecisionLettre & { siren: string })[] }>();
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v)).slice(0, 10);
  for (const d of attente) {
    const info = dest.get(d.siren) ?? { destinataire_siren: d.siren, destinataire_nom: `SIREN ${d.siren}`, raison_sociale: null };
    const k = info.destinataire_siren as string;
    const g = groupes.get(k) ?? { info, decisions: [] };
    // the rate before the decision: the replaced decision's, or for an adjustment the rate it was applied on
    const etapes = (typeof d.explication === 'string' ? JSON.parse(d.explication) : d.explication) as { entrees?: Record<string, string> }[] | null;
    const base = d.nature === 'rectification' || d.nature === 'reclassement' ? d.ancien_base : (etapes?.find((e) => e.entrees?.taux_avant)?.entrees?.taux_avant ?? etapes?.find((e) => e.entrees?.taux_en_vigueur)?.entrees?.taux_en_vigueur ?? null);
    g.decisions.push({
      id: Number(d.id), nature: d.nature === 'cotisation_supplementaire' && Number(d.pourcentage) === 0 ? 'fin_cotisation_supplementaire' : d.nature, annee: d.annee, siret: d.siret, siren: d.siren, raison_sociale: info.raison_sociale ?? null, code_risque: d.code_risque, section: d.section,
      ancien_taux: base == null ? null : Number(base).toFixed(2), taux: Number(d.taux).toFixed(2), debut: iso(d.debut), fin: iso(d.fin), motif: d.motif, base_legale: d.base_legale,
    });
    groupes.set(k, g);
  }
  const dossier = join(o.outDir, 'decisions', o.date);
  mkdirSync(dossier, { recursive: true });
  const carsat = notificationsConfig().carsat;
  const lettres: Lettre[] = [];
  for (const [siren, g] of groupes) {
    const ids = g.decisions.map((x) => x.id);
    const chemin = join(dossier, `${siren}-${ids[0]}-${ids.at(-1)}.pdf`);
    const pdf = await rendreDefinition(definitionLettre({
      carsat, date: o.date, decisions: g.decisions,
      destinataire: { siren, nom: g.info.destinataire_nom, adresse: g.info.destinataire_adresse ?? null, code_postal: g.info.destinataire_code_postal ?? null, commune: g.info.destinataire_commune ?? null },
    }));
    writeFileSync(chemin, pdf);
    await knex('decision_taux').whereIn('id', ids).whereNull('notification_ref').update({ notification_ref: chemin });
    lettres.push({ destinataire: siren, chemin, decisions: ids });
  }
  return lettres;
}

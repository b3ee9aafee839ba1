/** `atmp etablissement SIRET`: the history of the rate decisions, per year: which rate applied when, and why. */
import type { Knex } from 'knex';
import { calendriers, lireDecisions, type CalendrierSection } from './store.ts';

export const LIBELLE_NATURE: Record<string, string> = {
  campagne: 'campagne', rectification: 'rectification', creation: 'création en cours d’année', reclassement: 'reclassement en cours d’année',
  ristourne: 'ristourne travail', ristourne_trajet: 'ristourne trajet', cotisation_supplementaire: 'cotisation supplémentaire',
};

/** AAAA-MM-JJ as JJ/MM/AAAA */
export const fr = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
const taux = (t: { toFixed(n: number): string } | string) => (typeof t === 'string' ? t : t.toFixed(2)).replace('.', ',');
const quand = (v: string | Date) => (v instanceof Date ? v.toISOString() : String(v)).slice(0, 10);

export async function historiqueDecisions(conn: Knex, siret: string): Promise<CalendrierSection[]> {
  return calendriers(await lireDecisions(conn, { sirets: [siret] }));
}

export function historiqueJson(cals: CalendrierSection[]) {
  return cals.map((c) => ({
    annee: c.annee, code_risque: c.code_risque, section: c.section,
    en_vigueur: c.segments.map((s) => ({ debut: s.debut, fin: s.fin, taux: s.taux.toFixed(2), nature: s.nature, decision: s.base, ajustements: s.ajustements })),
    decisions: c.decisions.map((d) => ({
      id: d.id, nature: d.nature, taux: d.taux, pourcentage: d.pourcentage, points: d.points, debut: d.debut, fin: d.fin, motif: d.motif,
      base_legale: d.base_legale, remplace: d.remplace_id, decide_par: d.decide_par, decide_le: quand(d.decide_le), notifiee_le: d.notifiee_le, notification: d.notification_ref,
    })),
  }));
}

export function texteHistorique(cals: CalendrierSection[]): string[] {
  if (!cals.length) return ['  décisions de taux : aucune (campagne non validée ou établissement non tarifé)'];
  const out = ['  décisions de taux (taux en vigueur, puis chaque décision) :'];
  for (const c of cals) {
    out.push(`    ${c.annee} ${c.code_risque} section ${c.section} :`);
    for (const s of c.segments) {
      const d = c.decisions.find((x) => x.id === (s.ajustements.at(-1) ?? s.base))!;
      out.push(`      du ${fr(s.debut)} au ${fr(s.fin)} : ${taux(s.taux)} % — ${LIBELLE_NATURE[s.nature]} (décision n° ${d.id} : ${d.motif})`);
    }
    if (!c.segments.length) out.push('      aucun taux en vigueur (remplacé par une décision sur un autre code)');
    for (const d of c.decisions) {
      const ajust = d.pourcentage != null ? ` (${d.pourcentage} %)` : '';
      out.push(`      n° ${d.id} ${LIBELLE_NATURE[d.nature]}${ajust} : ${taux(d.taux)} % du ${fr(d.debut)} au ${fr(d.fin)}${d.remplace_id ? `, remplace n° ${d.remplace_id}` : ''} — ${d.motif} ; ${d.base_legale} ; décidée par ${d.decide_par} le ${quand(d.decide_le)}${d.notifiee_le ? ` ; notifiée le ${d.notifiee_le}` : ''}`);
    }
  }
  return out;
}

/**
 * The rate in force day by day for one establishment section and rate year, from its decisions: a base decision
 * (campagne, rectification, creation, reclassement) sets the rate; ristournes and cotisations supplémentaires are
 * applied on top of the base in force, after écrêtement (arrêté du 9 décembre 2010; reading in docs/decisions.md).
 * A decision replaced by another stops the day before the replacing one starts.
 */
import { D, ZERO, type Decimal } from './decimal.ts';
import { arrondirTaux } from './arrondi.ts';

export type NatureDecision = 'campagne' | 'rectification' | 'creation' | 'reclassement' | 'ristourne' | 'ristourne_trajet' | 'cotisation_supplementaire';
export const NATURES_BASE: NatureDecision[] = ['campagne', 'rectification', 'creation', 'reclassement'];
export const estBase = (n: NatureDecision) => NATURES_BASE.includes(n);

export interface Decision {
  id: number;
  nature: NatureDecision;
  taux: Decimal;
  pourcentage: Decimal | null;
  points: Decimal | null;
  debut: string;
  fin: string;
  remplaceId: number | null;
}

export interface Segment {
  debut: string;
  fin: string;
  taux: Decimal;
  /** the decision that sets the rate of the segment: the last adjustment in force, else the base */
  nature: NatureDecision;
  base: number;
  ajustements: number[];
}

export const jourSuivant = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
export const jourPrecedent = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** The period a decision is in force: [debut, fin], ended the day before the first decision replacing it starts. */
export function periodeEffective(d: Decision, remplacantes: Decision[]): { debut: string; fin: string } | null {
  let fin = d.fin;
  for (const r of remplacantes) if (r.remplaceId === d.id && r.debut <= fin) fin = jourPrecedent(r.debut);
  return fin < d.debut ? null : { debut: d.debut, fin };
}

/** Points an adjustment adds on a base rate: a cotisation supplémentaire is a percentage of the rate in force. */
export function pointsAjustement(a: Decision, base: Decimal): Decimal {
  if (a.nature === 'cotisation_supplementaire') return base.times(a.pourcentage ?? ZERO).div(100);
  return a.points ?? ZERO;
}

/**
 * @param decisions the decisions of the section and year
 * @param toutes every decision that may replace one of them (those of the section, and a reclassement recorded
 *   under another code)
 */
export function calendrier(decisions: Decision[], toutes: Decision[] = decisions): Segment[] {
  const actives = decisions
    .map((d) => ({ d, p: periodeEffective(d, toutes) }))
    .filter((x): x is { d: Decision; p: { debut: string; fin: string } } => x.p !== null);
  const bornes = new Set<string>();
  for (const { p } of actives) {
    bornes.add(p.debut);
    bornes.add(jourSuivant(p.fin));
  }
  const dates = [...bornes].sort();
  const segments: Segment[] = [];
  for (let i = 0; i < dates.length - 1; i++) {
    const debut = dates[i];
    const fin = jourPrecedent(dates[i + 1]);
    const couvrent = actives.filter(({ p }) => p.debut <= debut && p.fin >= fin).map(({ d }) => d);
    const bases = couvrent.filter((d) => estBase(d.nature)).sort((a, b) => a.id - b.id);
    const base = bases.at(-1);
    if (!base) continue;
    // an adjustment of no effect (the end of a cotisation supplémentaire, measures carried out) only ends the one it replaces
    const ajustements = couvrent.filter((d) => !estBase(d.nature) && !pointsAjustement(d, base.taux).isZero()).sort((a, b) => a.id - b.id);
    let taux = base.taux;
    for (const a of ajustements) taux = taux.plus(pointsAjustement(a, base.taux));
    taux = arrondirTaux(taux.lt(0) ? D(0) : taux);
    const seg: Segment = { debut, fin, taux, nature: (ajustements.at(-1) ?? base).nature, base: base.id, ajustements: ajustements.map((a) => a.id) };
    const prec = segments.at(-1);
    if (prec && jourSuivant(prec.fin) === debut && prec.taux.eq(taux) && prec.base === seg.base && prec.ajustements.join() === seg.ajustements.join()) prec.fin = fin;
    else segments.push(seg);
  }
  return segments;
}

/**
 * Which sections are rated together, and their previous rate: the taux unique (CSS D242-6-1; arrêté du 17 octobre
 * 1995 art. 7) pools the figures of all the company's establishments of one risk; from 2020 a former bureau section
 * is merged into its establishment's main section (end of the taux bureau); in the first year of a pool, the N-1
 * rates are averaged by masse salariale (CSS D242-6-15 al. 2; Cass. 2e civ. 7 janvier 2021 n° 19-24.045). Pure.
 */
import type { Decimal } from './decimal.ts';
import type { Etape } from './explication.ts';
import type { Section } from './sections.ts';
import type { TauxPondere } from './taux-precedent.ts';
import { TAUX_BUREAU } from './parametres.ts';

export interface SectionARegrouper {
  siret: string;
  siren: string;
  code_risque: string;
  section: Section;
  /** date (YYYY-MM-DD) of the company's taux unique option for this risk, null: none */
  option_taux_unique: string | null;
}

/** Arrêté du 17 octobre 1995 art. 7: the taux unique option takes effect on 1 January of the rate year. */
export const tauxUniqueEnVigueur = (option: string | null, annee: number) => !!option && option <= `${annee}-01-01`;

/** The first rate year of a taux unique: the option took effect on 1 January of this year. */
export const premiereAnneeTauxUnique = (option: string | null, annee: number) =>
  !!option && option > `${annee - 1}-01-01` && option <= `${annee}-01-01`;

export interface Groupe<T extends SectionARegrouper> {
  /** the pool's key: `TU/siren/code` for a taux unique, else `siret/code/section` */
  cle: string;
  /** the sections rated by this pool (the first one gives the code risque, section and zone) */
  membres: T[];
  /** former bureau sections merged into this main section (rates from 2020) */
  bureaux: T[];
  tauxUnique: boolean;
  /** the establishments whose masses and claims are pooled */
  sirets: string[];
}

/**
 * The pools of one company for rate year N: a taux unique in force pools the main sections of the same SIREN and
 * code risque; after the last year of the taux bureau, a bureau section joins its establishment's main section (when
 * the establishment has one); every other section is its own pool.
 */
export function regrouperSections<T extends SectionARegrouper>(sections: T[], annee: number): Groupe<T>[] {
  const pools = new Map<string, T[]>();
  const fusionnees: T[] = [];
  for (const s of sections) {
    if (s.section === 'bureau' && annee > TAUX_BUREAU.derniereAnnee && sections.some((p) => p.siret === s.siret && p.section === 'principale')) {
      fusionnees.push(s);
      continue;
    }
    const cle = s.section === 'principale' && tauxUniqueEnVigueur(s.option_taux_unique, annee) ? `TU/${s.siren}/${s.code_risque}` : `${s.siret}/${s.code_risque}/${s.section}`;
    const pool = pools.get(cle);
    if (pool) pool.push(s);
    else pools.set(cle, [s]);
  }
  return [...pools].map(([cle, membres]) => {
    const sirets = [...new Set(membres.map((m) => m.siret))];
    const bureaux = membres[0].section === 'principale' ? fusionnees.filter((f) => sirets.includes(f.siret)) : [];
    return { cle, membres, bureaux, tauxUnique: cle.startsWith('TU/'), sirets };
  });
}

export interface TauxPrecedentGroupe {
  tauxPrecedent?: Decimal;
  /** several N-1 rates meeting for the first time: averaged by masse salariale (rules/taux-precedent.ts) */
  tauxPrecedents?: TauxPondere[];
}

/**
 * The previous rate of a pool: the section's own N-1 rate; in the first year of a taux unique, or in the first year
 * after the taux bureau for a merged bureau section, every N-1 rate of the pool weighted by the masse salariale of the
 * last known year (a single rate, or no masse at all: that rate alone).
 */
export function tauxPrecedentGroupe<T extends SectionARegrouper>(
  g: Groupe<T>, annee: number,
  precedent: (siret: string, codeRisque: string) => Decimal | undefined,
  masseDerniereAnnee: (siret: string) => Decimal,
): TauxPrecedentGroupe {
  const tete = g.membres[0];
  const premiereAnneeFusion = g.bureaux.length > 0 && annee === TAUX_BUREAU.derniereAnnee + 1;
  if (!(g.tauxUnique && premiereAnneeTauxUnique(tete.option_taux_unique, annee)) && !premiereAnneeFusion) {
    return { tauxPrecedent: precedent(tete.siret, tete.code_risque) };
  }
  const anciens = [...g.membres, ...(premiereAnneeFusion ? g.bureaux : [])];
  const avecTaux = anciens.flatMap((a) => {
    const taux = precedent(a.siret, a.code_risque);
    return taux ? [{ taux, masseSalariale: masseDerniereAnnee(a.siret) }] : [];
  });
  if (avecTaux.length > 1 && avecTaux.some((t) => t.masseSalariale.gt(0))) return { tauxPrecedents: avecTaux };
  return { tauxPrecedent: avecTaux[0]?.taux };
}

/** The explanation steps of the pooling, placed right after the effectif. */
export function etapesRegroupement<T extends SectionARegrouper>(g: Groupe<T>): Etape[] {
  const etapes: Etape[] = [];
  if (g.bureaux.length) {
    etapes.push({
      id: 'fusion_bureau', regle: `section bureau fusionnée avec la section principale (suppression du taux bureau après ${TAUX_BUREAU.derniereAnnee})`,
      reference: `${TAUX_BUREAU.reference} ; Cass. 2e civ. 7 janvier 2021 n° 19-24.045`, entrees: { sections: g.bureaux.map((b) => b.code_risque).join(', ') }, valeur: 'fusion',
    });
  }
  if (g.tauxUnique && g.membres.length > 1) {
    const tete = g.membres[0];
    etapes.push({
      id: 'taux_unique', regle: `taux unique : valeur du risque et masse salariale des ${g.membres.length} établissements du code ${tete.code_risque} mises en commun`,
      reference: 'CSS art. D242-6-1 ; arrêté du 17 octobre 1995 art. 7', entrees: { etablissements: g.sirets.join(', ') }, valeur: g.sirets.length.toString(),
    });
  }
  return etapes;
}

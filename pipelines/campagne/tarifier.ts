/**
 * Rates the sections of one company (the campaign's unit of work) with rules/calculerTaux, from its consolidated
 * figures, pooled as rules/regroupement.ts says (taux unique, bureau section merged from 2020, previous rates of a
 * first year weighted by masse salariale). Pure: the caller reads the database and writes the results.
 */
import { createHash } from 'node:crypto';
import { D, ZERO, type Decimal } from '../../rules/decimal.ts';
import type { BaremeAnnee, CategorieIP, CategorieIT } from '../../rules/bareme.ts';
import { calculerTaux, type ResultatTaux, type Situation } from '../../rules/taux-etablissement.ts';
import { RegleError } from '../../rules/explication.ts';
import { anneeEffectif } from '../../rules/periodes.ts';
import type { Section } from '../../rules/sections.ts';
import { etapesRegroupement, regrouperSections, tauxPrecedentGroupe } from '../../rules/regroupement.ts';
import type { NatureSinistre, SinistreImpute } from '../../rules/imputation.ts';
import type { CoteInterim } from '../../rules/interim.ts';

export interface SectionRow {
  siret: string;
  siren: string;
  code_risque: string;
  section: Section;
  alsace_moselle: boolean;
  date_creation: string | null;
  option_taux_unique: string | null;
}
export interface MasseRow { siret: string; annee: number; masse_salariale: string }
export interface EffectifRow { siren: string; mois: number; effectif: string }
/** Facts of one claim for one account (view sinistre_impute); the rules decide shares and exclusions. */
export interface SinistreRow {
  siret: string; sinistre_id: string; imputation: string; nature: NatureSinistre;
  annee: number; categorie_it: CategorieIT | null; annee_ip: number; categorie_ip: CategorieIP | null;
  part_tiers: string; interim: CoteInterim | null; procedure_collective: boolean; compte_special: boolean; inopposable: boolean;
}

/** The claim's charges as the rules take them: the IT in its year, the IP in its own (CSS D.242-6-7). */
export function sinistresImputes(s: SinistreRow): SinistreImpute[] {
  const faits = {
    id: s.sinistre_id, nature: s.nature, partTiers: D(s.part_tiers), interim: s.interim ?? undefined,
    procedureCollective: s.procedure_collective, compteSpecial: s.compte_special, inopposable: s.inopposable,
  };
  const l: SinistreImpute[] = [];
  if (s.categorie_it) l.push({ ...faits, annee: s.annee, categorieIt: s.categorie_it });
  if (s.categorie_ip) l.push({ ...faits, annee: s.annee_ip, categorieIp: s.categorie_ip });
  return l;
}
export interface TauxPrecedentRow { siret: string; code_risque: string; taux: string }

export interface DonneesEntreprise {
  siren: string;
  sections: SectionRow[];
  masses: MasseRow[];
  effectifs: EffectifRow[];
  sinistres: SinistreRow[];
  tauxPrecedents: TauxPrecedentRow[];
}

export interface LigneTaux {
  siret: string;
  siren: string;
  code_risque: string;
  section: Section;
  alsace_moselle: boolean;
  groupe_tarification: string | null;
  resultat: ResultatTaux | null;
  erreur: string | null;
  entrees_empreinte: string;
}

export function tarifierEntreprise(d: DonneesEntreprise, bareme: BaremeAnnee): LigneTaux[] {
  const annee = bareme.annee;
  const mensuels = Array.from({ length: 12 }, () => ZERO as Decimal);
  for (const e of d.effectifs) mensuels[e.mois - 1] = mensuels[e.mois - 1].plus(D(e.effectif));

  const massesParSiret = new Map<string, Map<number, Decimal>>();
  for (const m of d.masses) {
    const t = massesParSiret.get(m.siret) ?? new Map<number, Decimal>();
    t.set(m.annee, (t.get(m.annee) ?? ZERO).plus(D(m.masse_salariale)));
    massesParSiret.set(m.siret, t);
  }
  const sinistresParSiret = new Map<string, SinistreImpute[]>();
  for (const s of d.sinistres) {
    const l = sinistresParSiret.get(s.siret) ?? [];
    l.push(...sinistresImputes(s));
    sinistresParSiret.set(s.siret, l);
  }
  const precedent = new Map(d.tauxPrecedents.map((t) => [`${t.siret}/${t.code_risque}`, D(t.taux)]));
  const masseDerniereAnnee = (siret: string) => massesParSiret.get(siret)?.get(anneeEffectif(annee)) ?? ZERO;

  const lignes: LigneTaux[] = [];
  for (const g of regrouperSections(d.sections, annee)) {
    const tete = g.membres[0];
    const masses = new Map<number, Decimal>();
    for (const siret of g.sirets) for (const [a, v] of massesParSiret.get(siret) ?? []) masses.set(a, (masses.get(a) ?? ZERO).plus(v));
    const situation: Situation = {
      annee, alsaceMoselle: tete.alsace_moselle, codeRisque: tete.code_risque, section: tete.section,
      effectifsMensuels: mensuels,
      dateCreation: g.tauxUnique ? undefined : (tete.date_creation ?? undefined),
      tauxUnique: g.tauxUnique, ...tauxPrecedentGroupe(g, annee, (siret, code) => precedent.get(`${siret}/${code}`), masseDerniereAnnee),
      massesSalariales: masses, sinistres: g.sirets.flatMap((siret) => sinistresParSiret.get(siret) ?? []),
      regroupement: etapesRegroupement(g),
    };
    const empreinte = createHash('sha256').update(JSON.stringify(situation, (_k, v) => (v instanceof Map ? [...v] : v))).digest('hex');
    let resultat: ResultatTaux | null = null;
    let erreur: string | null = null;
    try {
      resultat = calculerTaux(situation, bareme);
    } catch (e) {
      if (!(e instanceof RegleError)) throw e;
      erreur = e.message;
    }
    const groupe = g.tauxUnique || g.bureaux.length ? g.cle : null;
    for (const m of g.membres) {
      lignes.push({ siret: m.siret, siren: m.siren, code_risque: m.code_risque, section: m.section, alsace_moselle: m.alsace_moselle, groupe_tarification: groupe, resultat, erreur, entrees_empreinte: empreinte });
    }
    for (const b of g.bureaux) {
      lignes.push({ siret: b.siret, siren: b.siren, code_risque: b.code_risque, section: b.section, alsace_moselle: b.alsace_moselle, groupe_tarification: g.cle, resultat, erreur, entrees_empreinte: empreinte });
    }
  }
  return lignes;
}

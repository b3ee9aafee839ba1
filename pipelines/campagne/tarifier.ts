/**
 * Rates the sections of one company (the campaign's unit of work) with rules/calculerTaux, from its consolidated
 * figures. Pools the figures where the rules say so: a taux unique (CSS D.242-6-1: valeur du risque and masse
 * salariale of all the company's establishments of the same risk) and, from 2020, a former bureau section merged
 * into its establishment's main section. Pure: the caller reads the database and writes the results.
 */
import { createHash } from 'node:crypto';
import { D, ZERO, type Decimal } from '../../rules/decimal.ts';
import type { BaremeAnnee, CategorieIP, CategorieIT } from '../../rules/bareme.ts';
import { calculerTaux, type ResultatTaux, type Situation } from '../../rules/taux-etablissement.ts';
import { RegleError } from '../../rules/explication.ts';
import { anneeEffectif } from '../../rules/periodes.ts';
import { DERNIERE_ANNEE_TAUX_BUREAU, type Section } from '../../rules/sections.ts';
import type { NatureSinistre, SinistreImpute } from '../../rules/imputation.ts';
import type { CoteInterim } from '../../rules/interim.ts';
import type { TauxPondere } from '../../rules/taux-precedent.ts';

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

/** Taux unique in force for rate year N: the option takes effect on 1 January (arrêté 17/10/1995 art. 7). */
const tauxUniqueEnVigueur = (option: string | null, annee: number) => !!option && option <= `${annee}-01-01`;
const premiereAnneeTauxUnique = (option: string | null, annee: number) => !!option && option > `${annee - 1}-01-01` && option <= `${annee}-01-01`;

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

  // pools: taux unique (same SIREN and code risque), else one per section; bureau sections from 2020 join
  // their establishment's main section
  const pools = new Map<string, SectionRow[]>();
  const fusionnees: SectionRow[] = [];
  for (const s of d.sections) {
    let cle = `${s.siret}/${s.code_risque}/${s.section}`;
    if (s.section === 'bureau' && annee > DERNIERE_ANNEE_TAUX_BUREAU) {
      const principale = d.sections.find((p) => p.siret === s.siret && p.section === 'principale');
      if (principale) {
        fusionnees.push(s);
        continue;
      }
    }
    if (s.section === 'principale' && tauxUniqueEnVigueur(s.option_taux_unique, annee)) cle = `TU/${s.siren}/${s.code_risque}`;
    const pool = pools.get(cle);
    if (pool) pool.push(s);
    else pools.set(cle, [s]);
  }

  const lignes: LigneTaux[] = [];
  for (const [cle, membres] of pools) {
    const tete = membres[0];
    const siretsPool = [...new Set(membres.map((m) => m.siret))];
    const masses = new Map<number, Decimal>();
    for (const siret of siretsPool) for (const [a, v] of massesParSiret.get(siret) ?? []) masses.set(a, (masses.get(a) ?? ZERO).plus(v));
    const sinistres = siretsPool.flatMap((siret) => sinistresParSiret.get(siret) ?? []);
    const tauxUnique = cle.startsWith('TU/');

    // previous rate: the section's own; several N-1 rates meeting for the first time are averaged by the masse
    // salariale of the last known year (CSS D.242-6-15 al. 2)
    const bureaux = tete.section === 'principale' ? fusionnees.filter((f) => siretsPool.includes(f.siret)) : [];
    const anciens: { siret: string; code: string }[] = [
      ...membres.map((m) => ({ siret: m.siret, code: m.code_risque })),
      ...(annee === DERNIERE_ANNEE_TAUX_BUREAU + 1 ? bureaux.map((b) => ({ siret: b.siret, code: b.code_risque })) : []),
    ];
    let tauxPrecedent: Decimal | undefined;
    let tauxPrecedents: TauxPondere[] | undefined;
    const avecTaux = anciens.map((a) => ({ ...a, taux: precedent.get(`${a.siret}/${a.code}`) })).filter((a) => a.taux);
    if ((tauxUnique && premiereAnneeTauxUnique(tete.option_taux_unique, annee)) || (bureaux.length && annee === DERNIERE_ANNEE_TAUX_BUREAU + 1)) {
      if (avecTaux.length > 1) tauxPrecedents = avecTaux.map((a) => ({ taux: a.taux!, masseSalariale: masseDerniereAnnee(a.siret) }));
      else tauxPrecedent = avecTaux[0]?.taux;
    } else tauxPrecedent = precedent.get(`${tete.siret}/${tete.code_risque}`);
    if (tauxPrecedents && tauxPrecedents.every((t) => t.masseSalariale.lte(0))) {
      tauxPrecedents = undefined;
      tauxPrecedent = avecTaux[0]?.taux;
    }

    const situation: Situation = {
      annee, alsaceMoselle: tete.alsace_moselle, codeRisque: tete.code_risque, section: tete.section,
      effectifsMensuels: mensuels,
      dateCreation: tauxUnique ? undefined : (tete.date_creation ?? undefined),
      tauxUnique, tauxPrecedent, tauxPrecedents, massesSalariales: masses, sinistres,
    };
    const empreinte = createHash('sha256').update(JSON.stringify(situation, (_k, v) => (v instanceof Map ? [...v] : v))).digest('hex');
    let resultat: ResultatTaux | null = null;
    let erreur: string | null = null;
    try {
      resultat = calculerTaux(situation, bareme);
      if (tauxUnique && membres.length > 1) {
        resultat.explication.splice(1, 0, {
          id: 'taux_unique', regle: `taux unique : valeur du risque et masse salariale des ${membres.length} établissements du code ${tete.code_risque} mises en commun`,
          reference: 'CSS art. D242-6-1 ; arrêté du 17 octobre 1995 art. 7', entrees: { etablissements: siretsPool.join(', ') }, valeur: siretsPool.length.toString(),
        });
      }
      if (bureaux.length) {
        resultat.explication.splice(1, 0, {
          id: 'fusion_bureau', regle: 'section bureau fusionnée avec la section principale (suppression du taux bureau au 1er janvier 2020)',
          reference: 'arrêté du 17 octobre 1995 modifié ; Cass. 2e civ. 7 janvier 2021 n° 19-24.045', entrees: { sections: bureaux.map((b) => b.code_risque).join(', ') }, valeur: 'fusion',
        });
      }
    } catch (e) {
      if (!(e instanceof RegleError)) throw e;
      erreur = e.message;
    }
    for (const m of membres) {
      lignes.push({ siret: m.siret, siren: m.siren, code_risque: m.code_risque, section: m.section, alsace_moselle: m.alsace_moselle, groupe_tarification: tauxUnique || bureaux.length ? cle : null, resultat, erreur, entrees_empreinte: empreinte });
    }
    for (const b of bureaux) {
      lignes.push({ siret: b.siret, siren: b.siren, code_risque: b.code_risque, section: b.section, alsace_moselle: b.alsace_moselle, groupe_tarification: cle, resultat, erreur, entrees_empreinte: empreinte });
    }
  }
  return lignes;
}

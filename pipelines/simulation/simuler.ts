/**
 * `atmp simulate`: one establishment's situation as JSON in, its rate and explanation as JSON out. The barème is
 * the one loaded for the year, each key of the input's `bareme` overriding it (what-if before the arrêté is out).
 * Every number is a decimal string in and out.
 */
import type { Knex } from 'knex';
import { D, DECIMAL_RE, type Decimal } from '../../rules/decimal.ts';
import {
  CATEGORIES_IP, CATEGORIES_IT, GROUPES_BTP, CTNS, CODE_RISQUE_RE, normaliserCodeRisque,
  type BaremeAnnee, type CategorieCout, type TableCouts,
} from '../../rules/bareme.ts';
import { calculerTaux, type ResultatTaux, type Situation } from '../../rules/taux-etablissement.ts';
import { RegleError } from '../../rules/explication.ts';
import { verifierAnnee } from '../../rules/periodes.ts';
import type { SinistreImpute } from '../../rules/imputation.ts';
import type { CoteInterim } from '../../rules/interim.ts';
import { chargerBareme } from '../bareme/load.ts';
import { lireDate } from '../../lib/cellules.ts';

/** Invalid simulator input: exit 2 with this one-line reason. */
export class EntreeInvalide extends Error {}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Unknown keys are refused, never ignored: the first one is named with its path (`sinistres[2].foo`). */
function clesConnues(o: Json, chemin: string, connues: readonly string[]): void {
  const inconnue = Object.keys(o).find((k) => !connues.includes(k));
  if (inconnue !== undefined) {
    const c = chemin ? `${chemin}.${inconnue}` : inconnue;
    throw new EntreeInvalide(`${c} : clé inconnue (clés admises${chemin ? ` dans ${chemin}` : ''} : ${connues.join(', ')})`);
  }
}

function dec(v: unknown, champ: string, opts: { positif?: boolean } = {}): Decimal {
  const t = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  if (t === undefined || !DECIMAL_RE.test(t)) throw new EntreeInvalide(`${champ} : nombre décimal attendu (chaîne, ex. "2.05"), reçu ${JSON.stringify(v)}`);
  const d = D(t);
  if (opts.positif && d.lt(0)) throw new EntreeInvalide(`${champ} : valeur négative ${t}`);
  return d;
}

function entier(v: unknown, champ: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new EntreeInvalide(`${champ} : entier positif attendu, reçu ${JSON.stringify(v)}`);
  return n;
}

function date(v: unknown, champ: string): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || lireDate(v) === undefined) {
    throw new EntreeInvalide(`${champ} : date AAAA-MM-JJ attendue, reçu ${JSON.stringify(v)}`);
  }
  return v;
}

export function lireSituation(input: unknown): { situation: Situation; surcharges: Json | undefined } {
  if (!isObj(input)) throw new EntreeInvalide('objet JSON attendu');
  clesConnues(input, '', ['annee', 'alsace_moselle', 'bareme', 'entreprise', 'etablissement', 'masses_salariales', 'sinistres']);
  const annee = entier(input.annee, 'annee');
  const etab = input.etablissement;
  if (!isObj(etab)) throw new EntreeInvalide('etablissement : objet attendu');
  clesConnues(etab, 'etablissement', ['code_risque', 'section', 'date_creation', 'taux_precedent', 'taux_precedents']);
  if (typeof etab.code_risque !== 'string') throw new EntreeInvalide('etablissement.code_risque manquant');
  const codeRisque = normaliserCodeRisque(etab.code_risque);
  if (!CODE_RISQUE_RE.test(codeRisque)) throw new EntreeInvalide(`etablissement.code_risque "${etab.code_risque}" hors format NN.NXX`);
  const section = (etab.section ?? 'principale') as Situation['section'];
  if (!['principale', 'fsna', 'bureau'].includes(section)) throw new EntreeInvalide(`etablissement.section "${String(etab.section)}" : principale, fsna ou bureau`);

  const ent = input.entreprise;
  if (!isObj(ent)) throw new EntreeInvalide('entreprise : objet attendu (effectif ou effectifs_mensuels)');
  clesConnues(ent, 'entreprise', ['effectif', 'effectifs_mensuels', 'taux_unique']);
  let effectif: Decimal | undefined;
  let effectifsMensuels: Decimal[] | undefined;
  if (ent.effectifs_mensuels !== undefined) {
    if (!isObj(ent.effectifs_mensuels)) throw new EntreeInvalide('entreprise.effectifs_mensuels : objet {"AAAA-MM": "n"} attendu');
    const anneeRef = annee - 2;
    const mois = new Map<string, Decimal>();
    for (const [k, v] of Object.entries(ent.effectifs_mensuels)) {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(k)) throw new EntreeInvalide(`entreprise.effectifs_mensuels : mois "${k}" invalide (AAAA-MM)`);
      if (Number(k.slice(0, 4)) !== anneeRef) throw new EntreeInvalide(`entreprise.effectifs_mensuels : le mois ${k} n'est pas de l'année de référence ${anneeRef} (N-2)`);
      mois.set(k, dec(v, `entreprise.effectifs_mensuels.${k}`, { positif: true }));
    }
    // absent months count as 0, i.e. months with no employee
    effectifsMensuels = Array.from({ length: 12 }, (_, i) => mois.get(`${anneeRef}-${String(i + 1).padStart(2, '0')}`) ?? D(0));
  } else if (ent.effectif !== undefined) effectif = dec(ent.effectif, 'entreprise.effectif', { positif: true });
  else throw new EntreeInvalide('entreprise : effectif ou effectifs_mensuels requis');

  const masses = new Map<number, Decimal>();
  if (input.masses_salariales !== undefined) {
    if (!isObj(input.masses_salariales)) throw new EntreeInvalide('masses_salariales : objet {"AAAA": "montant"} attendu');
    for (const [k, v] of Object.entries(input.masses_salariales)) {
      if (!/^\d{4}$/.test(k)) throw new EntreeInvalide(`masses_salariales : année "${k}" invalide`);
      const m = dec(v, `masses_salariales.${k}`);
      if (m.lt(0)) throw new EntreeInvalide(`masses_salariales.${k} : masse salariale négative (${m})`);
      masses.set(Number(k), m);
    }
  }

  const sinistres: SinistreImpute[] = [];
  if (input.sinistres !== undefined) {
    if (!Array.isArray(input.sinistres)) throw new EntreeInvalide('sinistres : tableau attendu');
    input.sinistres.forEach((raw, i) => {
      const c = `sinistres[${i}]`;
      if (!isObj(raw)) throw new EntreeInvalide(`${c} : objet attendu`);
      clesConnues(raw, c, ['id', 'annee', 'nature', 'jours_arret', 'taux_ip', 'deces', 'part', 'compte_special', 'interim']);
      if (raw.id !== undefined && typeof raw.id !== 'string') throw new EntreeInvalide(`${c}.id : chaîne attendue`);
      if (raw.interim !== undefined && raw.interim !== 'utilisatrice' && raw.interim !== 'ett') {
        throw new EntreeInvalide(`${c}.interim : "utilisatrice" (entreprise utilisatrice) ou "ett" (entreprise de travail temporaire), reçu ${JSON.stringify(raw.interim)}`);
      }
      const nature = raw.nature;
      if (nature !== 'AT' && nature !== 'MP' && nature !== 'TRAJET') throw new EntreeInvalide(`${c}.nature : AT, MP ou TRAJET`);
      const part = raw.part === undefined ? undefined : dec(raw.part, `${c}.part`, { positif: true });
      if (part && part.gt(1)) throw new EntreeInvalide(`${c}.part : part imputée supérieure à 1 (${part})`);
      const tauxIp = raw.taux_ip === undefined ? undefined : dec(raw.taux_ip, `${c}.taux_ip`, { positif: true });
      if (tauxIp && tauxIp.gt(100)) throw new EntreeInvalide(`${c}.taux_ip : taux d'IP supérieur à 100 %`);
      if (raw.deces !== undefined && typeof raw.deces !== 'boolean') throw new EntreeInvalide(`${c}.deces : booléen attendu`);
      if (raw.compte_special !== undefined && typeof raw.compte_special !== 'boolean') throw new EntreeInvalide(`${c}.compte_special : booléen attendu`);
      sinistres.push({
        id: typeof raw.id === 'string' ? raw.id : `#${i + 1}`,
        annee: entier(raw.annee, `${c}.annee`),
        nature,
        joursArret: raw.jours_arret === undefined || raw.jours_arret === null ? null : entier(raw.jours_arret, `${c}.jours_arret`),
        tauxIp,
        deces: raw.deces === true,
        part,
        interim: raw.interim as CoteInterim | undefined,
        compteSpecial: raw.compte_special === true,
      });
    });
  }

  let tauxPrecedent: Decimal | undefined;
  let tauxPrecedents: Situation['tauxPrecedents'];
  if (etab.taux_precedent !== undefined && etab.taux_precedent !== null) tauxPrecedent = dec(etab.taux_precedent, 'etablissement.taux_precedent', { positif: true });
  if (etab.taux_precedents !== undefined) {
    if (!Array.isArray(etab.taux_precedents)) throw new EntreeInvalide('etablissement.taux_precedents : tableau de {taux, masse_salariale} attendu');
    tauxPrecedents = etab.taux_precedents.map((t, i) => {
      if (!isObj(t)) throw new EntreeInvalide(`etablissement.taux_precedents[${i}] : objet attendu`);
      clesConnues(t, `etablissement.taux_precedents[${i}]`, ['taux', 'masse_salariale']);
      return { taux: dec(t.taux, `etablissement.taux_precedents[${i}].taux`, { positif: true }), masseSalariale: dec(t.masse_salariale, `etablissement.taux_precedents[${i}].masse_salariale`, { positif: true }) };
    });
  }
  if (input.alsace_moselle !== undefined && typeof input.alsace_moselle !== 'boolean') throw new EntreeInvalide('alsace_moselle : booléen attendu');
  if (ent.taux_unique !== undefined && typeof ent.taux_unique !== 'boolean') throw new EntreeInvalide('entreprise.taux_unique : booléen attendu');

  const situation: Situation = {
    annee, alsaceMoselle: input.alsace_moselle === true, codeRisque, section,
    effectif, effectifsMensuels,
    dateCreation: etab.date_creation === undefined || etab.date_creation === null ? undefined : date(etab.date_creation, 'etablissement.date_creation'),
    tauxUnique: ent.taux_unique === true,
    tauxPrecedent, tauxPrecedents,
    massesSalariales: masses, sinistres,
  };
  if (input.bareme !== undefined && !isObj(input.bareme)) throw new EntreeInvalide('bareme : objet attendu');
  return { situation, surcharges: input.bareme as Json | undefined };
}

const CATEGORIES_COUT = new Set<string>([...CATEGORIES_IT, ...CATEGORIES_IP, ...GROUPES_BTP]);
const TABLES = new Set<string>([...CTNS, 'B-AM']);

/** Applies the input's `bareme` keys over the loaded barème of the year. */
export function surchargerBareme(bareme: BaremeAnnee, o: Json | undefined): BaremeAnnee {
  if (!o) return bareme;
  clesConnues(o, 'bareme', ['m1', 'm2', 'm3', 'm4', 'taux_collectifs', 'taux_collectifs_alsace_moselle', 'couts_moyens']);
  const src = 'valeur fournie à la simulation';
  const majKeys = ['m1', 'm2', 'm3', 'm4'] as const;
  if (majKeys.some((k) => o[k] !== undefined)) {
    const base = bareme.majorations;
    const val = (k: (typeof majKeys)[number]) => (o[k] !== undefined ? dec(o[k], `bareme.${k}`, { positif: true }) : base?.[k]);
    const [m1, m2, m3, m4] = majKeys.map(val);
    if (!m1 || !m2 || !m3 || !m4) throw new EntreeInvalide(`bareme : majorations ${bareme.annee} non chargées, donner m1, m2, m3 et m4`);
    bareme.majorations = { m1, m2, m3, m4, tnmn: base?.tnmn, source: base ? `${base.source} ; surchargé : ${majKeys.filter((k) => o[k] !== undefined).join(', ')}` : src };
  }
  for (const [cle, cible] of [['taux_collectifs', bareme.tauxCollectifs], ['taux_collectifs_alsace_moselle', bareme.tauxCollectifsAlsaceMoselle]] as const) {
    if (o[cle] === undefined) continue;
    if (!isObj(o[cle])) throw new EntreeInvalide(`bareme.${cle} : objet {"code": "taux"} attendu`);
    for (const [code, v] of Object.entries(o[cle] as Json)) {
      const c = normaliserCodeRisque(code);
      if (!CODE_RISQUE_RE.test(c)) throw new EntreeInvalide(`bareme.${cle} : code risque "${code}" hors format NN.NXX`);
      cible.set(c, { taux: dec(v, `bareme.${cle}.${code}`, { positif: true }), collectifQuelQueSoitEffectif: cible.get(c)?.collectifQuelQueSoitEffectif ?? null, source: src });
    }
  }
  if (o.couts_moyens !== undefined) {
    if (!isObj(o.couts_moyens)) throw new EntreeInvalide('bareme.couts_moyens : objet {"CTN": {"IT1": "montant"}} attendu');
    for (const [ctn, cats] of Object.entries(o.couts_moyens)) {
      if (!TABLES.has(ctn)) throw new EntreeInvalide(`bareme.couts_moyens : CTN "${ctn}" inconnu (A à I, B-AM)`);
      if (!isObj(cats)) throw new EntreeInvalide(`bareme.couts_moyens.${ctn} : objet attendu`);
      const t = bareme.coutsMoyens.get(ctn as TableCouts) ?? new Map<CategorieCout, Decimal>();
      for (const [cat, v] of Object.entries(cats)) {
        if (!CATEGORIES_COUT.has(cat)) throw new EntreeInvalide(`bareme.couts_moyens.${ctn} : catégorie "${cat}" inconnue`);
        const m = dec(v, `bareme.couts_moyens.${ctn}.${cat}`);
        if (m.lte(0)) throw new EntreeInvalide(`bareme.couts_moyens.${ctn}.${cat} : montant positif attendu`);
        t.set(cat as CategorieCout, m);
      }
      bareme.coutsMoyens.set(ctn as TableCouts, t);
      bareme.sourcesCoutsMoyens.set(ctn as TableCouts, src);
    }
  }
  return bareme;
}

const f4 = (d: Decimal | null) => (d === null ? null : d.toFixed(4));
/** A rate with at least 2 decimals, more when published so ("0.0093"). */
const taux = (d: Decimal | null) => (d === null ? null : d.decimalPlaces() < 2 ? d.toFixed(2) : d.toString());

/** The simulator's JSON output. */
export function sortieSimulation(r: ResultatTaux) {
  return {
    annee: r.annee,
    code_risque: r.codeRisque,
    ctn: r.ctn,
    section: r.section,
    effectif: r.effectif.toFixed(2),
    mode: r.mode,
    motif_mode: r.motifMode,
    notifie: r.notifie,
    taux_collectif: taux(r.tauxCollectif),
    valeur_du_risque: r.valeurDuRisque ? r.valeurDuRisque.total.toFixed(2) : null,
    masse_salariale: r.valeurDuRisque ? r.valeurDuRisque.masseTotale.toFixed(2) : null,
    taux_brut: f4(r.tauxBrut),
    taux_net_individuel: f4(r.tauxNetIndividuel),
    fraction_individuelle: r.fraction === null ? null : r.fraction.toFixed(6),
    taux_calcule: r.tauxCalcule.toFixed(2),
    taux_precedent: taux(r.tauxPrecedent),
    ecretement: r.ecretement
      ? { plancher: r.ecretement.plancher.toFixed(2), plafond: r.ecretement.plafond.toFixed(2), applique: r.ecretement.applique, sens: r.ecretement.sens }
      : null,
    taux_notifie: r.tauxNotifie.toFixed(2),
    explication: r.explication,
  };
}

export async function simuler(knex: Knex, input: unknown) {
  const { situation, surcharges } = lireSituation(input);
  try {
    verifierAnnee(situation.annee);
  } catch (e) {
    throw new EntreeInvalide((e as RegleError).message);
  }
  const bareme = surchargerBareme(await chargerBareme(knex, situation.annee), surcharges);
  try {
    return sortieSimulation(calculerTaux(situation, bareme));
  } catch (e) {
    if (e instanceof RegleError) throw new EntreeInvalide(e.message);
    throw e;
  }
}

/**
 * The rate of one establishment (or section) for rate year N, from its situation and the year's barème.
 * Pipeline (tarification-atmp §1): effectif → mode and overrides → taux collectif → for mixte / individuel,
 * taux brut and taux net individuel → raw rate → rounding → écrêtement. Pure: no I/O, decimal.js throughout.
 * The campaign and the simulator both call calculerTaux: one implementation.
 */
import { sum, type Decimal } from './decimal.ts';
import type { BaremeAnnee, TauxCollectif } from './bareme.ts';
import { RegleError, type Etape } from './explication.ts';
import { anneeEffectif, anneesDeReference, verifierAnnee } from './periodes.ts';
import { effectifMoyen, tronquerEffectif } from './effectif.ts';
import { modeSelonEffectif, seuils, type Mode } from './mode.ts';
import { codeD242_6_22, collectifQuelQueSoitEffectif } from './codes-collectifs.ts';
import { collectifNouvelEtablissement } from './nouvel-etablissement.ts';
import { codeTauxBureau, verifierSection, type Section } from './sections.ts';
import { valeurDuRisque, type DetailAnnee, type LigneInterim, type ValeurDuRisque } from './valeur-du-risque.ts';
import { tauxBrut } from './taux-brut.ts';
import { tauxNet } from './taux-net.ts';
import { fractionIndividuelle } from './fraction-mixte.ts';
import { tauxMixte } from './taux-mixte.ts';
import { arrondirTaux } from './arrondi.ts';
import { ecreter, modeEcrete, type Ecretement } from './ecretement.ts';
import { tauxPrecedentPondere, type TauxPondere } from './taux-precedent.ts';
import { majorationForfaitaireEnVigueur } from './majoration-forfaitaire.ts';
import type { SinistreImpute } from './imputation.ts';

export interface Situation {
  annee: number;
  alsaceMoselle: boolean;
  codeRisque: string;
  section: Section;
  /** the company's effectif (SIREN), truncated to 2 decimals by the rule */
  effectif?: Decimal;
  /** or its monthly headcounts of year N-2 (months with no employee left out) */
  effectifsMensuels?: Decimal[];
  dateCreation?: string;
  /** the company has a taux unique for this risk (its figures are then the pooled ones) */
  tauxUnique?: boolean;
  /** rate notified for N-1 */
  tauxPrecedent?: Decimal;
  /** or the N-1 rates to average (first year of a taux unique or of merged sections) */
  tauxPrecedents?: TauxPondere[];
  massesSalariales: Map<number, Decimal>;
  sinistres: SinistreImpute[];
}

export type Motif = 'effectif' | 'd242-6-22' | 'collectif-quel-que-soit-effectif' | 'nouvel-etablissement' | 'fsna' | 'bureau';

export interface ResultatTaux {
  annee: number;
  codeRisque: string;
  ctn: string | null;
  section: Section;
  effectif: Decimal;
  mode: Mode;
  motifMode: Motif;
  /** false for the D.242-6-22 codes: the collective rate applies with no notification */
  notifie: boolean;
  tauxCollectif: Decimal | null;
  valeurDuRisque: ValeurDuRisque | null;
  tauxBrut: Decimal | null;
  tauxNetIndividuel: Decimal | null;
  fraction: Decimal | null;
  /** rate before écrêtement, rounded to 2 decimals */
  tauxCalcule: Decimal;
  tauxPrecedent: Decimal | null;
  ecretement: Ecretement | null;
  tauxNotifie: Decimal;
  explication: Etape[];
}

const s = (d: Decimal) => d.toString();
/** A source as cited in an explanation: its legal reference, without the provenance URLs (see atmp bareme show). */
const sourceCourte = (src: string | undefined) => {
  const t = (src ?? '').split(/https?:\/\//)[0].replace(/[\s,;:(]+$/, '').trim();
  return t || undefined;
};

/** The temp workers' claims of the valeur du risque: the share of each category and its rule (R.242-6-1). */
function etapeInterim(lignes: LigneInterim[]): Etape {
  return {
    id: 'interim', regle: "parts du coût moyen des sinistres d'intérimaires imputées à ce compte (entreprise utilisatrice ou de travail temporaire)",
    reference: [...new Set(lignes.map((l) => l.reference))].join(' | '),
    entrees: Object.fromEntries(lignes.map((l, i) => [`${l.id ?? `sinistre_${i + 1}`} ${l.categorie} (${l.annee})`, l.part])),
    valeur: String(lignes.length), detail: lignes,
  };
}

export function calculerTaux(sit: Situation, bareme: BaremeAnnee): ResultatTaux {
  const { annee, alsaceMoselle, section } = sit;
  verifierAnnee(annee);
  if (bareme.annee !== annee) throw new RegleError(`barème ${bareme.annee} fourni pour l'année ${annee}`);
  const etapes: Etape[] = [];
  const code = bareme.codes.get(sit.codeRisque);
  if (!code) throw new RegleError(`code risque ${sit.codeRisque} inconnu du barème ${annee}`);
  const btp = code.ctn === 'B';

  // 1. Effectif of the company (CSS R130-1)
  let effectif: Decimal;
  if (sit.effectifsMensuels) {
    effectif = effectifMoyen(sit.effectifsMensuels);
    const occupes = sit.effectifsMensuels.filter((m) => m.gt(0));
    etapes.push({
      id: 'effectif', regle: `effectif moyen de l'année ${anneeEffectif(annee)} : moyenne des effectifs mensuels, mois sans salarié exclus, tronquée à 2 décimales`,
      reference: 'CSS art. R130-1', entrees: { mois_retenus: String(occupes.length), somme: s(sum(occupes)) }, valeur: effectif.toFixed(2),
    });
  } else if (sit.effectif) {
    if (sit.effectif.lt(0)) throw new RegleError('effectif négatif');
    effectif = tronquerEffectif(sit.effectif);
    etapes.push({ id: 'effectif', regle: "effectif de l'entreprise, tronqué à 2 décimales", reference: 'CSS art. R130-1', entrees: { effectif: s(sit.effectif) }, valeur: effectif.toFixed(2) });
  } else throw new RegleError("effectif de l'entreprise manquant (effectif ou effectifs mensuels)");

  // 2. Mode of the company, then the overrides of the establishment
  const seuil = seuils(alsaceMoselle, btp, annee);
  const modeEntreprise = modeSelonEffectif(effectif, seuil);
  etapes.push({
    id: 'mode_entreprise', regle: `collectif si E < ${seuil.mixte}, mixte si ${seuil.mixte} ≤ E < ${seuil.individuel}, individuel au-delà`,
    reference: seuil.reference, entrees: { effectif: effectif.toFixed(2) }, valeur: modeEntreprise,
  });
  if (modeEntreprise === 'collectif' && effectif.gte(10) && !majorationForfaitaireEnVigueur(annee)) {
    etapes.push({
      id: 'majoration_forfaitaire', regle: 'majoration forfaitaire des entreprises de 10 à 19 salariés : jamais entrée en vigueur, non appliquée',
      reference: 'CSS art. D242-6-11 ; décret 2017-337 ; abrogée par le décret 2023-1317', valeur: '0',
    });
  }
  verifierSection(section, annee, sit.codeRisque, modeEntreprise);

  let mode: Mode = modeEntreprise;
  let motif: Motif = 'effectif';
  let notifie = true;
  const marque = collectifQuelQueSoitEffectif(bareme, sit.codeRisque);
  if (codeD242_6_22(bareme, sit.codeRisque)) {
    mode = 'collectif'; motif = 'd242-6-22'; notifie = false;
    etapes.push({ id: 'mode', regle: 'catégorie de travailleurs au taux collectif publié, sans notification', reference: 'CSS art. D242-6-22', valeur: mode });
  } else if (section === 'fsna') {
    mode = 'collectif'; motif = 'fsna';
    etapes.push({
      id: 'mode', regle: 'section fonctions support de nature administrative : taux collectif du code FSNA', reference: 'arrêté du 17 octobre 1995 art. 1-III ; CSS art. D242-6-17',
      valeur: mode, note: "au-delà des trois premières années, lecture retenue : taux collectif FSNA maintenu, y compris en entreprise mixte [à vérifier]",
    });
  } else if (section === 'bureau') {
    mode = 'collectif'; motif = 'bureau';
    etapes.push({ id: 'mode', regle: 'section bureau (jusqu’aux taux 2019) : taux collectif bureau quel que soit le mode', reference: 'arrêté du 17 octobre 1995 art. 1-II-3° (ancienne rédaction)', valeur: mode });
  } else if (marque.collectif) {
    mode = 'collectif'; motif = 'collectif-quel-que-soit-effectif';
    etapes.push({ id: 'mode', regle: `code risque marqué « TC » : taux collectif quel que soit l'effectif`, reference: 'CSS art. D242-6-14', valeur: mode, note: marque.note });
  } else if (mode !== 'collectif' && collectifNouvelEtablissement(annee, sit.dateCreation, !!sit.tauxUnique)) {
    mode = 'collectif'; motif = 'nouvel-etablissement';
    etapes.push({
      id: 'mode', regle: "établissement nouveau : taux collectif l'année de sa création et les deux années civiles suivantes", reference: 'CSS art. D242-6-17',
      entrees: { date_creation: sit.dateCreation! }, valeur: mode,
    });
  } else {
    etapes.push({ id: 'mode', regle: "mode de l'entreprise", reference: 'CSS art. D242-6-2', valeur: mode, note: marque.note });
  }

  // 3. Collective rate of the code (annex 1; annex 3 in Alsace-Moselle); a bureau section takes the bureau code's
  const table = alsaceMoselle ? bareme.tauxCollectifsAlsaceMoselle : bareme.tauxCollectifs;
  const codeTarif = section === 'bureau' ? codeTauxBureau(sit.codeRisque, code.ctn) : sit.codeRisque;
  const tc: TauxCollectif | undefined = table.get(codeTarif);
  if (!tc && mode !== 'individuel') {
    throw new RegleError(
      alsaceMoselle
        ? `taux collectif Alsace-Moselle ${annee} du code ${codeTarif} non chargé (annexe 3 de l'arrêté annuel)`
        : `taux collectif ${annee} du code ${codeTarif} non chargé (annexe 1 de l'arrêté annuel)`,
    );
  }
  const tauxCollectif = tc?.taux ?? null;
  if (tc) {
    etapes.push({ id: 'taux_collectif', regle: `taux net collectif du code risque ${codeTarif}${alsaceMoselle ? ' (Alsace-Moselle)' : ''}`, reference: alsaceMoselle ? 'CSS art. D242-35 ; annexe 3 de l’arrêté annuel' : 'CSS art. D242-6-11 ; annexe 1 de l’arrêté annuel', valeur: s(tc.taux), note: sourceCourte(tc.source) });
  }

  // 4. Individual part: valeur du risque, taux brut, taux net
  let vr: ValeurDuRisque | null = null;
  let tb: Decimal | null = null;
  let tni: Decimal | null = null;
  let fraction: Decimal | null = null;
  let brut: Decimal;
  if (mode === 'collectif') {
    brut = tauxCollectif!;
  } else {
    if (!code.ctn) throw new RegleError(`le code ${sit.codeRisque} n'a pas de CTN : taux individuel ou mixte incalculable`);
    const m = bareme.majorations;
    if (!m) throw new RegleError(`majorations M1–M4 ${annee} non chargées`);
    const annees = anneesDeReference(annee);
    for (const [a, masse] of sit.massesSalariales) if (masse.lt(0)) throw new RegleError(`masse salariale ${a} négative`);
    vr = valeurDuRisque({ bareme, ctn: code.ctn, codeRisque: sit.codeRisque, alsaceMoselle }, annees, sit.massesSalariales, sit.sinistres);
    const horsPeriode = [...sit.massesSalariales.keys()].filter((a) => !annees.includes(a));
    if (vr.interim.length) etapes.push(etapeInterim(vr.interim));
    etapes.push({
      id: 'valeur_du_risque', regle: `valeur du risque ${annees[0]}–${annees[2]} aux coûts moyens ${annee} du CTN ${code.ctn}${alsaceMoselle && code.ctn === 'B' ? ' (Alsace-Moselle)' : ''}`,
      reference: 'CSS art. D242-6-4 à D242-6-7', entrees: { masse_salariale: s(vr.masseTotale) }, valeur: s(vr.total),
      note: [
        vr.ecartes.length ? `sinistres écartés : ${vr.ecartes.map((e) => `${e.id ? `${e.id} ` : ''}(${e.annee}) ${e.motif}`).join(' ; ')}` : '',
        horsPeriode.length ? `masses salariales hors période ignorées : ${horsPeriode.join(', ')}` : '',
        `coûts moyens ${annee} appliqués aux trois années (arrêté annuel art. 3 ; exemple de la Cramif pour 2024) ; sources : atmp bareme show ${annee}`,
      ].filter(Boolean).join(' ; '),
      detail: { annees: vr.annees satisfies DetailAnnee[], ecartes: vr.ecartes },
    });
    tb = tauxBrut(vr.total, vr.masseTotale);
    etapes.push({ id: 'taux_brut', regle: 'taux brut = 100 × valeur du risque / masse salariale', reference: 'CSS art. D242-6-6', entrees: { valeur_du_risque: s(vr.total), masse_salariale: s(vr.masseTotale) }, valeur: s(tb) });
    tni = tauxNet(tb, m);
    etapes.push({
      id: 'taux_net_individuel', regle: 'taux net = (taux brut + M1) × (1 + M2) + M3 + M4', reference: 'CSS art. D242-6-3, D242-6-9',
      entrees: { taux_brut: s(tb), m1: s(m.m1), m2: `${s(m.m2)} %`, m3: s(m.m3), m4: s(m.m4) }, valeur: s(tni), note: sourceCourte(m.source),
    });
    if (mode === 'individuel') brut = tni;
    else {
      const f = fractionIndividuelle(annee, effectif, alsaceMoselle, btp);
      fraction = f.valeur;
      etapes.push({ id: 'fraction', regle: `part du taux individuel f = ${f.formule}`, reference: f.reference, entrees: { effectif: effectif.toFixed(2) }, valeur: s(f.valeur), note: f.note });
      brut = tauxMixte(f.valeur, tni, tauxCollectif!);
      etapes.push({
        id: 'taux_mixte', regle: 'taux mixte = f × taux net individuel + (1 − f) × taux collectif', reference: 'CSS art. D242-6-13',
        entrees: { f: s(f.valeur), taux_net_individuel: s(tni), taux_collectif: s(tauxCollectif!) }, valeur: s(brut),
      });
    }
  }

  // 5. Rounding, then écrêtement
  const tauxCalcule = arrondirTaux(brut);
  etapes.push({ id: 'arrondi', regle: 'taux arrondi à 2 décimales (au plus proche, moitié vers le haut)', reference: 'CSS art. D242-6-13 ; pratique des barèmes publiés', entrees: { taux: s(brut) }, valeur: tauxCalcule.toFixed(2) });

  let p: Decimal | null = null;
  if (sit.tauxPrecedents?.length) {
    p = tauxPrecedentPondere(sit.tauxPrecedents);
    etapes.push({
      id: 'taux_precedent', regle: 'taux N-1 de référence : moyenne des taux N-1 pondérée par la masse salariale de la dernière année connue', reference: 'CSS art. D242-6-15 al. 2 ; décret 2013-1293',
      entrees: Object.fromEntries(sit.tauxPrecedents.map((t, i) => [`taux_${i + 1}`, `${s(t.taux)} × ${s(t.masseSalariale)}`])), valeur: s(p),
    });
  } else if (sit.tauxPrecedent) p = sit.tauxPrecedent;

  let ecretement: Ecretement | null = null;
  let tauxNotifie = tauxCalcule;
  if (modeEcrete(mode, alsaceMoselle) && p) {
    ecretement = ecreter(tauxCalcule, p, annee);
    tauxNotifie = ecretement.taux;
    etapes.push({
      id: 'ecretement', regle: p.lte(4) ? 'taux N-1 ≤ 4 : entre P − 0,8 et P + 1 point' : 'taux N-1 > 4 : entre 0,8 × P et 1,25 × P (plafond tronqué, plancher arrondi au supérieur)',
      reference: alsaceMoselle ? 'CSS art. D242-38' : 'CSS art. D242-6-15', entrees: { taux_precedent: s(p), taux_calcule: tauxCalcule.toFixed(2) },
      valeur: `[${ecretement.plancher.toFixed(2)} ; ${ecretement.plafond.toFixed(2)}]${ecretement.applique ? ` → ${tauxNotifie.toFixed(2)} (écrêtement à la ${ecretement.sens})` : ' : non atteint'}`,
    });
  } else if (modeEcrete(mode, alsaceMoselle)) {
    etapes.push({ id: 'ecretement', regle: 'écrêtement sans objet : pas de taux N-1 comparable', reference: 'CSS art. D242-6-15', valeur: 'non appliqué', note: 'écrêtement appliqué seulement quand un taux N-1 existe pour le même établissement et le même risque [à vérifier]' });
  }
  etapes.push({ id: 'taux_notifie', regle: notifie ? 'taux notifié' : 'taux applicable sans notification', reference: 'CSS art. D242-6-22', valeur: tauxNotifie.toFixed(2) });

  return {
    annee, codeRisque: sit.codeRisque, ctn: code.ctn, section, effectif, mode, motifMode: motif, notifie,
    tauxCollectif, valeurDuRisque: vr, tauxBrut: tb, tauxNetIndividuel: tni, fraction,
    tauxCalcule, tauxPrecedent: p, ecretement, tauxNotifie, explication: etapes,
  };
}

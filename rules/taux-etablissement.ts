/**
 * The rate of one establishment (or section) for rate year N, from its situation and the year's barème. calculerTaux
 * is the sequence of the law's steps (docs/regles.md): effectif → pooling → mode → taux collectif → for mixte /
 * individuel, valeur du risque, taux brut, taux net individuel (and the mixte fraction) → rounding → écrêtement.
 * Each step is a function below citing its article. Pure: no I/O, decimal.js throughout. The campaign and the
 * simulator both call calculerTaux: one implementation.
 */
import { Decimal, sum } from './decimal.ts';
import type { BaremeAnnee, CodeRisque, TauxCollectif } from './bareme.ts';
import { ECRETEMENT, enVigueur } from './parametres.ts';
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
  /** explanation of the pooling (taux unique, bureau merged), rules/regroupement.ts */
  regroupement?: Etape[];
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
  // the inputs count the charges by share (a large agency has thousands of them); the detail lists each one
  const parts = new Map<string, number>();
  for (const l of lignes) {
    const part = new Decimal(l.part).toDecimalPlaces(4).toString();
    parts.set(part, (parts.get(part) ?? 0) + 1);
  }
  return {
    id: 'interim', regle: "parts du coût moyen des sinistres d'intérimaires imputées à ce compte (entreprise utilisatrice ou de travail temporaire)",
    reference: [...new Set(lignes.map((l) => l.reference))].join(' | '),
    entrees: Object.fromEntries([...parts].map(([part, n]) => [`part ${part}`, `${n} catégorie${n > 1 ? 's' : ''} de sinistre`])),
    valeur: String(new Set(lignes.map((l) => l.id)).size), detail: lignes,
  };
}

/** What every step reads: the situation, the barème, the code's CTN and zone. */
interface Contexte {
  sit: Situation;
  bareme: BaremeAnnee;
  annee: number;
  code: CodeRisque;
  btp: boolean;
  alsaceMoselle: boolean;
  etapes: Etape[];
}

function contexte(sit: Situation, bareme: BaremeAnnee): Contexte {
  verifierAnnee(sit.annee);
  if (bareme.annee !== sit.annee) throw new RegleError(`barème ${bareme.annee} fourni pour l'année ${sit.annee}`);
  const code = bareme.codes.get(sit.codeRisque);
  if (!code) throw new RegleError(`code risque ${sit.codeRisque} inconnu du barème ${sit.annee}`);
  return { sit, bareme, annee: sit.annee, code, btp: code.ctn === 'B', alsaceMoselle: sit.alsaceMoselle, etapes: [] };
}

/** CSS R130-1: the company's effectif, average of the monthly headcounts of N-2 or given, truncated to 2 decimals. */
function etapeEffectif({ sit, annee, etapes }: Contexte): Decimal {
  if (sit.effectifsMensuels) {
    const effectif = effectifMoyen(sit.effectifsMensuels);
    const occupes = sit.effectifsMensuels.filter((m) => m.gt(0));
    etapes.push({
      id: 'effectif', regle: `effectif moyen de l'année ${anneeEffectif(annee)} : moyenne des effectifs mensuels, mois sans salarié exclus, tronquée à 2 décimales`,
      reference: 'CSS art. R130-1', entrees: { mois_retenus: String(occupes.length), somme: s(sum(occupes)) }, valeur: effectif.toFixed(2),
    });
    return effectif;
  }
  if (!sit.effectif) throw new RegleError("effectif de l'entreprise manquant (effectif ou effectifs mensuels)");
  if (sit.effectif.lt(0)) throw new RegleError('effectif négatif');
  const effectif = tronquerEffectif(sit.effectif);
  etapes.push({ id: 'effectif', regle: "effectif de l'entreprise, tronqué à 2 décimales", reference: 'CSS art. R130-1', entrees: { effectif: s(sit.effectif) }, valeur: effectif.toFixed(2) });
  return effectif;
}

/** CSS D242-6-1, arrêté du 17 octobre 1995: the pooling decided by rules/regroupement.ts, explained here. */
function etapeRegroupement({ sit, etapes }: Contexte): void {
  etapes.push(...(sit.regroupement ?? []));
}

/** CSS D242-6-2 (D242-30 in Alsace-Moselle): the company's mode from its effectif; the never-applied majoration forfaitaire. */
function etapeModeEntreprise({ sit, annee, btp, alsaceMoselle, etapes }: Contexte, effectif: Decimal): Mode {
  const seuil = seuils(alsaceMoselle, btp, annee);
  const mode = modeSelonEffectif(effectif, seuil);
  etapes.push({
    id: 'mode_entreprise', regle: `collectif si E < ${seuil.mixte}, mixte si ${seuil.mixte} ≤ E < ${seuil.individuel}, individuel au-delà`,
    reference: seuil.reference, entrees: { effectif: effectif.toFixed(2) }, valeur: mode,
  });
  if (mode === 'collectif' && effectif.gte(10) && !majorationForfaitaireEnVigueur(annee)) {
    etapes.push({
      id: 'majoration_forfaitaire', regle: 'majoration forfaitaire des entreprises de 10 à 19 salariés : jamais entrée en vigueur, non appliquée',
      reference: 'CSS art. D242-6-11 ; décret 2017-337 ; abrogée par le décret 2023-1317', valeur: '0',
    });
  }
  verifierSection(sit.section, annee, sit.codeRisque, mode);
  return mode;
}

/** The establishment's mode: D242-6-22 codes, FSNA and bureau sections, D242-6-14 "TC" codes, new establishments (D242-6-17). */
function etapeMode({ sit, bareme, annee, etapes }: Contexte, modeEntreprise: Mode): { mode: Mode; motif: Motif; notifie: boolean } {
  const marque = collectifQuelQueSoitEffectif(bareme, sit.codeRisque);
  if (codeD242_6_22(bareme, sit.codeRisque)) {
    etapes.push({ id: 'mode', regle: 'catégorie de travailleurs au taux collectif publié, sans notification', reference: 'CSS art. D242-6-22', valeur: 'collectif' });
    return { mode: 'collectif', motif: 'd242-6-22', notifie: false };
  }
  if (sit.section === 'fsna') {
    etapes.push({
      id: 'mode', regle: 'section fonctions support de nature administrative : taux collectif du code FSNA', reference: 'arrêté du 17 octobre 1995 art. 1-III ; CSS art. D242-6-17',
      valeur: 'collectif', note: "au-delà des trois premières années, lecture retenue : taux collectif FSNA maintenu, y compris en entreprise mixte [à vérifier]",
    });
    return { mode: 'collectif', motif: 'fsna', notifie: true };
  }
  if (sit.section === 'bureau') {
    etapes.push({ id: 'mode', regle: 'section bureau (jusqu’aux taux 2019) : taux collectif bureau quel que soit le mode', reference: 'arrêté du 17 octobre 1995 art. 1-II-3° (ancienne rédaction)', valeur: 'collectif' });
    return { mode: 'collectif', motif: 'bureau', notifie: true };
  }
  if (marque.collectif) {
    etapes.push({ id: 'mode', regle: `code risque marqué « TC » : taux collectif quel que soit l'effectif`, reference: 'CSS art. D242-6-14', valeur: 'collectif', note: marque.note });
    return { mode: 'collectif', motif: 'collectif-quel-que-soit-effectif', notifie: true };
  }
  if (modeEntreprise !== 'collectif' && collectifNouvelEtablissement(annee, sit.dateCreation, !!sit.tauxUnique)) {
    etapes.push({
      id: 'mode', regle: "établissement nouveau : taux collectif l'année de sa création et les deux années civiles suivantes", reference: 'CSS art. D242-6-17',
      entrees: { date_creation: sit.dateCreation! }, valeur: 'collectif',
    });
    return { mode: 'collectif', motif: 'nouvel-etablissement', notifie: true };
  }
  etapes.push({ id: 'mode', regle: "mode de l'entreprise", reference: 'CSS art. D242-6-2', valeur: modeEntreprise, note: marque.note });
  return { mode: modeEntreprise, motif: 'effectif', notifie: true };
}

/** CSS D242-6-11 (annex 1), D242-35 (annex 3 in Alsace-Moselle): the code's collective rate; a bureau section takes the bureau code's. */
function etapeTauxCollectif({ sit, bareme, annee, code, alsaceMoselle, etapes }: Contexte, mode: Mode): Decimal | null {
  const table = alsaceMoselle ? bareme.tauxCollectifsAlsaceMoselle : bareme.tauxCollectifs;
  const codeTarif = sit.section === 'bureau' ? codeTauxBureau(sit.codeRisque, code.ctn) : sit.codeRisque;
  const tc: TauxCollectif | undefined = table.get(codeTarif);
  if (!tc && mode !== 'individuel') {
    throw new RegleError(
      alsaceMoselle
        ? `taux collectif Alsace-Moselle ${annee} du code ${codeTarif} non chargé (annexe 3 de l'arrêté annuel)`
        : `taux collectif ${annee} du code ${codeTarif} non chargé (annexe 1 de l'arrêté annuel)`,
    );
  }
  if (!tc) return null;
  etapes.push({ id: 'taux_collectif', regle: `taux net collectif du code risque ${codeTarif}${alsaceMoselle ? ' (Alsace-Moselle)' : ''}`, reference: alsaceMoselle ? 'CSS art. D242-35 ; annexe 3 de l’arrêté annuel' : 'CSS art. D242-6-11 ; annexe 1 de l’arrêté annuel', valeur: s(tc.taux), note: sourceCourte(tc.source) });
  return tc.taux;
}

/** CSS D242-6-4 to D242-6-7, R242-6-1: the valeur du risque of N-4..N-2 at the rate year's coûts moyens. */
function etapeValeurDuRisque({ sit, bareme, annee, code, alsaceMoselle, etapes }: Contexte): ValeurDuRisque {
  if (!code.ctn) throw new RegleError(`le code ${sit.codeRisque} n'a pas de CTN : taux individuel ou mixte incalculable`);
  if (!bareme.majorations) throw new RegleError(`majorations M1–M4 ${annee} non chargées`);
  const annees = anneesDeReference(annee);
  for (const [a, masse] of sit.massesSalariales) if (masse.lt(0)) throw new RegleError(`masse salariale ${a} négative`);
  const vr = valeurDuRisque({ bareme, ctn: code.ctn, codeRisque: sit.codeRisque, alsaceMoselle }, annees, sit.massesSalariales, sit.sinistres);
  const horsPeriode = [...sit.massesSalariales.keys()].filter((a) => !annees.includes(a));
  if (vr.interim.length) etapes.push(etapeInterim(vr.interim));
  etapes.push({
    id: 'valeur_du_risque', regle: `valeur du risque ${annees[0]}–${annees[2]} aux coûts moyens ${annee} du CTN ${code.ctn}${alsaceMoselle && code.ctn === 'B' ? ' (Alsace-Moselle)' : ''}`,
    reference: 'CSS art. D242-6-4 à D242-6-7', entrees: { masse_salariale: s(vr.masseTotale) }, valeur: s(vr.total),
    note: [
      noteEcartes(vr.ecartes),
      horsPeriode.length ? `masses salariales hors période ignorées : ${horsPeriode.join(', ')}` : '',
      `coûts moyens ${annee} appliqués aux trois années (arrêté annuel art. 3 ; exemple de la Cramif pour 2024) ; sources : atmp bareme show ${annee}`,
    ].filter(Boolean).join(' ; '),
    detail: { annees: vr.annees satisfies DetailAnnee[], ecartes: vr.ecartes },
  });
  return vr;
}

/** CSS D242-6-6: taux brut = 100 × valeur du risque / masse salariale. */
function etapeTauxBrut({ etapes }: Contexte, vr: ValeurDuRisque): Decimal {
  const tb = tauxBrut(vr.total, vr.masseTotale);
  etapes.push({ id: 'taux_brut', regle: 'taux brut = 100 × valeur du risque / masse salariale', reference: 'CSS art. D242-6-6', entrees: { valeur_du_risque: s(vr.total), masse_salariale: s(vr.masseTotale) }, valeur: s(tb) });
  return tb;
}

/** CSS D242-6-3, D242-6-9: taux net = (TB + M1) × (1 + M2) + M3 + M4. */
function etapeTauxNetIndividuel({ bareme, etapes }: Contexte, tb: Decimal): Decimal {
  const m = bareme.majorations!;
  const tni = tauxNet(tb, m);
  etapes.push({
    id: 'taux_net_individuel', regle: 'taux net = (taux brut + M1) × (1 + M2) + M3 + M4', reference: 'CSS art. D242-6-3, D242-6-9',
    entrees: { taux_brut: s(tb), m1: s(m.m1), m2: `${s(m.m2)} %`, m3: s(m.m3), m4: s(m.m4) }, valeur: s(tni), note: sourceCourte(m.source),
  });
  return tni;
}

/** CSS D242-6-13 (D242-37 in Alsace-Moselle): the share f of the individual rate in a mixte rate. */
function etapeFraction({ annee, btp, alsaceMoselle, etapes }: Contexte, effectif: Decimal): Decimal {
  const f = fractionIndividuelle(annee, effectif, alsaceMoselle, btp);
  etapes.push({ id: 'fraction', regle: `part du taux individuel f = ${f.formule}`, reference: f.reference, entrees: { effectif: effectif.toFixed(2) }, valeur: s(f.valeur), note: f.note });
  return f.valeur;
}

/** CSS D242-6-13: taux mixte = f × taux net individuel + (1 − f) × taux collectif. */
function etapeTauxMixte({ etapes }: Contexte, f: Decimal, tni: Decimal, tauxCollectif: Decimal): Decimal {
  const tm = tauxMixte(f, tni, tauxCollectif);
  etapes.push({
    id: 'taux_mixte', regle: 'taux mixte = f × taux net individuel + (1 − f) × taux collectif', reference: 'CSS art. D242-6-13',
    entrees: { f: s(f), taux_net_individuel: s(tni), taux_collectif: s(tauxCollectif) }, valeur: s(tm),
  });
  return tm;
}

/** The rate is notified with 2 decimals, rounded half up. */
function etapeArrondi({ etapes }: Contexte, brut: Decimal): Decimal {
  const t = arrondirTaux(brut);
  etapes.push({ id: 'arrondi', regle: 'taux arrondi à 2 décimales (au plus proche, moitié vers le haut)', reference: 'CSS art. D242-6-13 ; pratique des barèmes publiés', entrees: { taux: s(brut) }, valeur: t.toFixed(2) });
  return t;
}

/** CSS D242-6-15 al. 2 (décret 2013-1293): the previous rate P, several N-1 rates averaged by masse salariale. */
function etapeTauxPrecedent({ sit, etapes }: Contexte): Decimal | null {
  if (!sit.tauxPrecedents?.length) return sit.tauxPrecedent ?? null;
  const p = tauxPrecedentPondere(sit.tauxPrecedents);
  etapes.push({
    id: 'taux_precedent', regle: 'taux N-1 de référence : moyenne des taux N-1 pondérée par la masse salariale de la dernière année connue', reference: 'CSS art. D242-6-15 al. 2 ; décret 2013-1293',
    entrees: Object.fromEntries(sit.tauxPrecedents.map((t, i) => [`taux_${i + 1}`, `${s(t.taux)} × ${s(t.masseSalariale)}`])), valeur: s(p),
  });
  return p;
}

/** CSS D242-6-15 (D242-38 in Alsace-Moselle, collective rates too): the rate kept within the limits set from P. */
function etapeEcretement({ annee, alsaceMoselle, etapes }: Contexte, mode: Mode, tauxCalcule: Decimal, p: Decimal | null): Ecretement | null {
  if (!modeEcrete(mode, alsaceMoselle)) return null;
  if (!p) {
    etapes.push({ id: 'ecretement', regle: 'écrêtement sans objet : pas de taux N-1 comparable', reference: 'CSS art. D242-6-15', valeur: 'non appliqué', note: 'écrêtement appliqué seulement quand un taux N-1 existe pour le même établissement et le même risque [à vérifier]' });
    return null;
  }
  const e = ecreter(tauxCalcule, p, annee);
  const l = enVigueur(ECRETEMENT, annee).valeur;
  etapes.push({
    id: 'ecretement',
    regle: p.lte(l.seuil) ? `taux N-1 ≤ ${fr(l.seuil)} : entre P − ${fr(l.baissePoints)} et P + ${fr(l.haussePoints)} point` : `taux N-1 > ${fr(l.seuil)} : entre ${fr(l.coefBas)} × P et ${fr(l.coefHaut)} × P (plafond tronqué, plancher arrondi au supérieur)`,
    reference: alsaceMoselle ? 'CSS art. D242-38' : 'CSS art. D242-6-15', entrees: { taux_precedent: s(p), taux_calcule: tauxCalcule.toFixed(2) },
    valeur: `[${e.plancher.toFixed(2)} ; ${e.plafond.toFixed(2)}]${e.applique ? ` → ${e.taux.toFixed(2)} (écrêtement à la ${e.sens})` : ' : non atteint'}`,
  });
  return e;
}

/** CSS D242-6-22: the rate notified, or applied without notification. */
function etapeTauxNotifie({ etapes }: Contexte, taux: Decimal, notifie: boolean): Decimal {
  etapes.push({ id: 'taux_notifie', regle: notifie ? 'taux notifié' : 'taux applicable sans notification', reference: 'CSS art. D242-6-22', valeur: taux.toFixed(2) });
  return taux;
}

/** The claims left out, named one by one; past 20, counted by reason (the detail keeps the full list). */
function noteEcartes(ecartes: ValeurDuRisque['ecartes']): string {
  if (!ecartes.length) return '';
  if (ecartes.length <= 20) return `sinistres écartés : ${ecartes.map((e) => `${e.id ? `${e.id} ` : ''}(${e.annee}) ${e.motif}`).join(' ; ')}`;
  const parMotif = new Map<string, number>();
  for (const e of ecartes) parMotif.set(e.motif, (parMotif.get(e.motif) ?? 0) + 1);
  return `${ecartes.length} sinistres écartés : ${[...parMotif].map(([m, n]) => `${m} : ${n}`).join(' ; ')}`;
}

/** A decimal as French text: 0.8 → "0,8". */
const fr = (d: Decimal) => d.toString().replace('.', ',');

export function calculerTaux(sit: Situation, bareme: BaremeAnnee): ResultatTaux {
  const ctx = contexte(sit, bareme);
  const effectif = etapeEffectif(ctx);
  etapeRegroupement(ctx);
  const modeEntreprise = etapeModeEntreprise(ctx, effectif);
  const { mode, motif, notifie } = etapeMode(ctx, modeEntreprise);
  const tauxCollectif = etapeTauxCollectif(ctx, mode);
  const vr = mode === 'collectif' ? null : etapeValeurDuRisque(ctx);
  const tb = vr && etapeTauxBrut(ctx, vr);
  const tni = tb && etapeTauxNetIndividuel(ctx, tb);
  const fraction = mode === 'mixte' ? etapeFraction(ctx, effectif) : null;
  const brut = mode === 'collectif' ? tauxCollectif! : mode === 'individuel' ? tni! : etapeTauxMixte(ctx, fraction!, tni!, tauxCollectif!);
  const tauxCalcule = etapeArrondi(ctx, brut);
  const tauxPrecedent = etapeTauxPrecedent(ctx);
  const ecretement = etapeEcretement(ctx, mode, tauxCalcule, tauxPrecedent);
  const tauxNotifie = etapeTauxNotifie(ctx, ecretement?.taux ?? tauxCalcule, notifie);
  return {
    annee: ctx.annee, codeRisque: sit.codeRisque, ctn: ctx.code.ctn, section: sit.section, effectif, mode, motifMode: motif, notifie,
    tauxCollectif, valeurDuRisque: vr, tauxBrut: tb, tauxNetIndividuel: tni, fraction,
    tauxCalcule, tauxPrecedent, ecretement, tauxNotifie, explication: ctx.etapes,
  };
}

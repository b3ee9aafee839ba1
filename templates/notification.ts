/**
 * Layout of the grouped notification (pdfmake 0.3 document definition): the Carsat's letter to the recipient
 * (group head or siège), the summary table of every establishment section, one calculation detail per section drawn
 * from the stored explanation steps (rules/explication.ts: nothing is recomputed here, figures are only formatted),
 * and the voies de recours. Pure: the same data always gives the same definition.
 *
 * No regulatory text lists a notification's contents; it carries what the compte AT/MP shows and what an employer
 * needs to check and contest the rate: SIRET, code risque and label, section, mode, effectif, rate; per year masse
 * salariale, claims per category, valeur du risque; TB, M1–M4, TNI, TNC, fraction, previous rate and écrêtement;
 * voies de recours (delay from rules/delais.ts, CSS R.142-1-A III, Cour d'appel d'Amiens).
 */
import type { Content, TableCell } from 'pdfmake';
import type * as PdfMakeTypes from 'pdfmake';

export type TDocumentDefinitions = Parameters<typeof PdfMakeTypes.createPdf>[0];
import type { Etape } from '../rules/explication.ts';
import { DECIMAL_RE } from '../rules/decimal.ts';
import { joursReputeeNotifiee, moisRecours } from '../rules/delais.ts';
import {
  dateLongue, effectif, euros, libelleMode, libelleSection, nombre, pourcent, siren, siret, texteFrancais, variation,
} from './format.ts';

export interface Carsat {
  nom: string;
  /** postal address, one line per element */
  adresse: string[];
  email?: string;
  telephone?: string;
}

export interface SectionNotifiee {
  siren: string;
  raison_sociale: string | null;
  siret: string;
  etablissement_nom: string | null;
  adresse: string | null;
  code_postal: string | null;
  commune: string | null;
  code_risque: string;
  libelle_risque: string | null;
  section: string;
  decision: number;
  mode: string | null;
  effectif: string | null;
  ctn: string | null;
  taux_precedent: string | null;
  taux_calcule: string | null;
  taux_notifie: string;
  ecretement: string | null;
  plancher: string | null;
  plafond: string | null;
  explication: Etape[];
}

export interface DonneesNotification {
  annee: number;
  /** date of the notification: the campaign's validation date, YYYY-MM-DD (deterministic) */
  date: string;
  /** the campaign's validation timestamp (ISO 8601): the PDF's CreationDate, so the bytes are reproducible */
  horodatage: string;
  /** reference printed on every page */
  reference: string;
  carsat: Carsat;
  destinataire: {
    siren: string;
    nom: string;
    siret_siege: string | null;
    adresse: string | null;
    code_postal: string | null;
    commune: string | null;
    groupe_nom: string | null;
  };
  sections: SectionNotifiee[];
  /** start and end dates (YYYY-MM-DD) of the notified rates, from the barème's validity; null when not loaded */
  validite?: { debut: string; fin: string } | null;
}

/** Shortens a long label at a word boundary (the summary table); the detail pages print it in full. */
function abrege(t: string, max: number): string {
  if (t.length <= max) return t;
  const coupe = t.slice(0, max).replace(/[\s,;.(]+\S*$/, '');
  return `${coupe}…`;
}

/** "du groupe X", or "du Groupe X" when the name already says it. */
export const duGroupe = (nom: string) => (/^groupe\b/i.test(nom) ? `du ${nom}` : `du groupe ${nom}`);

const BLEU = '#1f3a68';
const GRIS = '#5a5a5a';
const FOND = '#eef2f8';

/** Step values: decimals in French, long intermediate results shown with 4 decimals (full value stored). */
function valeurEtape(e: Etape): string {
  const v = e.valeur;
  if (!DECIMAL_RE.test(v)) return texteFrancais(v.replace(/\s*→\s*/g, ' : '));
  const decimales = (v.split('.')[1] ?? '').length;
  const n = decimales > 4 ? nombre(v, 4) : nombre(v);
  if (e.id === 'effectif' || e.id === 'fraction' || e.id === 'taux_unique') return n;
  if (e.id === 'valeur_du_risque') return euros(v, true);
  return e.id.startsWith('taux') || e.id === 'arrondi' || e.id === 'majoration_forfaitaire' ? `${n} %` : n;
}

const LIBELLES_ENTREES: Record<string, string> = {
  m1: 'M1', m2: 'M2', m3: 'M3', m4: 'M4', masse_salariale: 'masse salariale', valeur_du_risque: 'valeur du risque',
  taux_brut: 'taux brut', taux_precedent: 'taux précédent', taux_calcule: 'taux calculé', effectif: 'effectif', taux: 'taux',
};

function entrees(e: Etape): string {
  if (!e.entrees) return '';
  return Object.entries(e.entrees)
    .map(([k, v]) => {
      const val = DECIMAL_RE.test(v) ? ((v.split('.')[1] ?? '').length > 4 ? nombre(v, 4) : nombre(v)) : texteFrancais(v);
      const euro = k === 'masse_salariale' || k === 'valeur_du_risque' ? '\u00a0€' : '';
      return `${LIBELLES_ENTREES[k] ?? k.replace(/_/g, ' ')} = ${val}${euro}`;
    })
    .join(' ; ');
}

interface DetailVr {
  annees?: {
    annee: number;
    masse_salariale: string;
    valeur_du_risque: string;
    categories?: { categorie: string; categorie_cout?: string; nombre: string; cout_moyen: string; montant: string }[];
  }[];
}

const th = (text: string, align: 'left' | 'right' | 'center' = 'left'): TableCell => ({ text, style: 'th', alignment: align });
const td = (text: string, align: 'left' | 'right' | 'center' = 'left', extra: Record<string, unknown> = {}): TableCell => ({ text, alignment: align, ...extra });

const tableau = {
  hLineWidth: (i: number, node: { table: { body: unknown[] } }) => (i === 0 || i === 1 || i === node.table.body.length ? 0.8 : 0.3),
  vLineWidth: () => 0,
  hLineColor: (i: number) => (i <= 1 ? BLEU : '#b8c2d3'),
  paddingTop: () => 2.5,
  paddingBottom: () => 2.5,
  paddingLeft: () => 3,
  paddingRight: () => 3,
};

function adresseLignes(a: { adresse: string | null; code_postal: string | null; commune: string | null }): string[] {
  return [a.adresse ?? '', [a.code_postal, a.commune].filter(Boolean).join(' ')].filter((l) => l.trim());
}

function tableauValeurDuRisque(detail: DetailVr): Content | null {
  if (!detail.annees?.length) return null;
  const body: TableCell[][] = [[th('Année'), th('Masse salariale', 'right'), th('Catégorie'), th('Nombre', 'right'), th('Coût moyen', 'right'), th('Montant', 'right')]];
  for (const a of detail.annees) {
    const cats = a.categories ?? [];
    if (!cats.length) body.push([td(String(a.annee)), td(euros(a.masse_salariale), 'right'), td('aucun sinistre imputé', 'left', { colSpan: 3, color: GRIS }), '', '', td(euros(0, true), 'right')]);
    cats.forEach((c, i) => {
      const cat = c.categorie_cout && c.categorie_cout !== c.categorie ? `${c.categorie} (coût ${c.categorie_cout.replace(/_/g, ' ')})` : c.categorie;
      body.push([
        td(i === 0 ? String(a.annee) : ''), td(i === 0 ? euros(a.masse_salariale) : '', 'right'), td(cat), td(nombre(c.nombre), 'right'),
        td(euros(c.cout_moyen, true), 'right'), td(euros(c.montant), 'right'),
      ]);
    });
    body.push([td(''), td(''), td(`Valeur du risque ${a.annee}`, 'left', { bold: true, colSpan: 3 }), '', '', td(euros(a.valeur_du_risque), 'right', { bold: true })]);
  }
  return {
    table: { headerRows: 1, dontBreakRows: true, widths: [32, 80, '*', 42, 62, 70], body },
    layout: tableau, fontSize: 8, margin: [0, 2, 0, 6],
  };
}

function detailSection(s: SectionNotifiee, index: number, total: number): Content[] {
  const titre = `${index + 1}/${total} — SIRET ${siret(s.siret)} — ${s.code_risque}${s.section !== 'principale' ? ` (section ${libelleSection(s.section)})` : ''}`;
  const vr = s.explication.find((e) => e.id === 'valeur_du_risque');
  const tVr = vr?.detail ? tableauValeurDuRisque(vr.detail as DetailVr) : null;
  const etapes: TableCell[][] = [[th('Étape du calcul'), th('Valeur', 'right'), th('Référence')]];
  for (const e of s.explication) {
    const ent = entrees(e);
    etapes.push([
      { stack: [{ text: texteFrancais(e.regle) }, ...(ent ? [{ text: ent, color: GRIS, fontSize: 7 }] : [])] },
      td(valeurEtape(e), 'right', { bold: e.id === 'taux_notifie', noWrap: false }),
      td(e.reference, 'left', { color: GRIS, fontSize: 7 }),
    ]);
  }
  const identite: Content = {
    text: [
      { text: `${s.etablissement_nom ?? ''}`, bold: true },
      ` — ${[...adresseLignes(s)].join(', ')}\n`,
      `Entreprise ${s.raison_sociale ?? ''} (SIREN ${siren(s.siren)}) — risque : ${s.libelle_risque ?? s.code_risque}${s.ctn ? ` — CTN ${s.ctn}` : ''}\n`,
      `Mode de tarification : ${libelleMode(s.mode)} — effectif : ${effectif(s.effectif)} — taux notifié : `,
      { text: pourcent(s.taux_notifie), bold: true },
    ],
    fontSize: 8.5, margin: [0, 0, 0, 4],
  };
  const sousTitre: Content[] = tVr ? [{ text: 'Valeur du risque : sinistres imputés par catégorie, aux coûts moyens de l’année', style: 'h3' }] : [];
  return [
    // one block: a section's title never ends a page alone
    { unbreakable: true, pageBreak: index === 0 ? 'before' : undefined, stack: [{ text: titre, style: 'h2' }, identite, ...sousTitre] } as Content,
    ...(tVr ? [tVr] : []),
    { table: { headerRows: 1, dontBreakRows: true, widths: ['*', 88, 120], body: etapes }, layout: tableau, fontSize: 8, margin: [0, 2, 0, 12] },
  ];
}

const NOMBRES = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six'];
/** The recours delay of the rate year, in words (rules/delais.ts): « deux mois ». */
export const delaiRecours = (annee: number): string => {
  const m = moisRecours(annee).valeur;
  return `${NOMBRES[m] ?? String(m)} mois`;
};

export function definitionNotification(d: DonneesNotification): TDocumentDefinitions {
  const dest = d.destinataire;
  const n = d.sections.length;
  const synthese: TableCell[][] = [[
    th('SIRET'), th('Établissement'), th('Code risque'), th('Section'), th('Mode'), th('Effectif', 'right'),
    th(`Taux ${d.annee - 1}`, 'right'), th(`Taux ${d.annee}`, 'right'), th('Variation', 'right'),
  ]];
  for (const s of d.sections) {
    synthese.push([
      td(siret(s.siret), 'left', { noWrap: true }),
      { stack: [{ text: s.etablissement_nom ?? s.raison_sociale ?? '', bold: true }, { text: adresseLignes(s).join(', '), color: GRIS, fontSize: 6.5 }] },
      { stack: [{ text: s.code_risque, bold: true }, { text: abrege(s.libelle_risque ?? '', 48), color: GRIS, fontSize: 6.5 }] },
      td(libelleSection(s.section)), td(libelleMode(s.mode)), td(effectif(s.effectif), 'right'),
      td(s.taux_precedent ? pourcent(s.taux_precedent) : '—', 'right', { noWrap: true }),
      td(pourcent(s.taux_notifie), 'right', { bold: true, noWrap: true }),
      td(variation(s.taux_notifie, s.taux_precedent), 'right', { noWrap: true }),
    ]);
  }
  const carsat = d.carsat;
  const contact = [carsat.telephone ? `Tél. ${carsat.telephone}` : '', carsat.email ?? ''].filter(Boolean).join(' — ');
  const entreprises = new Set(d.sections.map((s) => s.siren)).size;
  // the rates' validity as the barème states it (the 2025 rates from 1 May 2025, décret 2025-318)
  const periode = d.validite ? `du ${dateLongue(d.validite.debut)} au ${dateLongue(d.validite.fin)}` : `pour l’année ${d.annee}`;

  const content: Content[] = [
    {
      columns: [
        { width: '*', stack: [{ text: carsat.nom, style: 'carsat' }, { text: 'Service tarification des risques professionnels', fontSize: 8.5, color: GRIS }, ...carsat.adresse.map((l) => ({ text: l, fontSize: 8.5 })), ...(contact ? [{ text: contact, fontSize: 8.5 }] : [])] },
        {
          width: 230, margin: [0, 40, 0, 0],
          stack: [
            { text: dest.nom, bold: true },
            ...(dest.groupe_nom ? [{ text: /^groupe\b/i.test(dest.groupe_nom) ? dest.groupe_nom : `Groupe ${dest.groupe_nom}`, fontSize: 9 }] : []),
            { text: 'À l’attention du service paie / comptabilité', fontSize: 9 },
            ...adresseLignes(dest).map((l) => ({ text: l })),
          ],
        },
      ],
    },
    { text: `Le ${dateLongue(d.date)}`, alignment: 'right', margin: [0, 24, 0, 14] },
    {
      table: {
        widths: [90, '*'],
        body: [
          [{ text: 'Objet', bold: true }, `Notification des taux de cotisation accidents du travail et maladies professionnelles applicables ${periode}`],
          [{ text: 'Référence', bold: true }, d.reference],
          [{ text: 'SIREN', bold: true }, `${siren(dest.siren)}${dest.siret_siege ? ` — siège : SIRET ${siret(dest.siret_siege)}` : ''}`],
          [{ text: 'Établissements', bold: true }, `${n} section${n > 1 ? 's' : ''} d’établissement de ${entreprises} entreprise${entreprises > 1 ? 's' : ''}`],
        ],
      },
      layout: 'noBorders', fontSize: 9, margin: [0, 0, 0, 12],
    },
    { text: 'Madame, Monsieur,', margin: [0, 0, 0, 6] },
    {
      text: [
        `En application des articles L.242-5 et D.242-6-1 et suivants du code de la sécurité sociale, nous vous notifions les taux de cotisation accidents du travail et maladies professionnelles applicables en ${d.annee} à `,
        dest.groupe_nom ? `chacun des établissements des entreprises ${duGroupe(dest.groupe_nom)}` : 'chacun de vos établissements',
        ` relevant de notre circonscription. Ces taux sont à appliquer sur les rémunérations versées ${d.validite ? `du ${dateLongue(d.validite.debut)} au ${dateLongue(d.validite.fin)}` : `en ${d.annee}`} et à déclarer dans la déclaration sociale nominative (DSN).`,
      ],
      alignment: 'justify', margin: [0, 0, 0, 6],
    },
    {
      text: 'Le tableau ci-dessous récapitule les taux notifiés. Le détail du calcul de chaque taux (effectif, mode de tarification, valeur du risque, majorations, écrêtement) figure dans les pages suivantes.',
      alignment: 'justify', margin: [0, 0, 0, 10],
    },
    { text: `Taux notifiés pour ${d.annee}`, style: 'h2' },
    { table: { headerRows: 1, dontBreakRows: true, widths: [62, '*', 70, 44, 40, 34, 38, 38, 40], body: synthese }, layout: tableau, fontSize: 7.5, margin: [0, 2, 0, 14] },
    {
      // one block: the heading never ends a page alone
      unbreakable: true,
      stack: [
        { text: 'Voies de recours', style: 'h2' },
        {
          text: `Vous pouvez contester ces décisions dans un délai de ${delaiRecours(d.annee)} à compter de leur notification (article R.142-1-A III du code de la sécurité sociale) devant la Cour d’appel d’Amiens, chambre spécialisée en matière de tarification des accidents du travail et des maladies professionnelles (article D.311-12 du code de l’organisation judiciaire), 14 rue Robert de Luzarches, 80027 Amiens Cedex 1. Le recours doit être motivé et accompagné d’une copie de la présente notification.`,
          alignment: 'justify', margin: [0, 0, 0, 4],
        },
        {
          text: `Vous pouvez également, dans le même délai, former un recours gracieux auprès de la ${carsat.nom} (service tarification, à l’adresse ci-dessus). Ce recours gracieux est facultatif. Passé le délai de ${delaiRecours(d.annee)}, les taux notifiés deviennent définitifs.`,
          alignment: 'justify', margin: [0, 0, 0, 4],
        },
        {
          // kept whole: justification spreads the pieces of "AT/MP" and "net-entreprises.fr" (break points after
          // "/" and "-") and of any text split into pieces
          text: [
            'Date de notification : mise à disposition sur votre compte ', { text: 'AT/MP (net-entreprises.fr),', noWrap: true },
            ` la présente notification vous est notifiée à la date de sa première consultation dans ce compte, et au plus tard ${joursReputeeNotifiee(d.annee).valeur} jours après sa mise à disposition ; adressée par courrier, à la date de sa réception. Le délai de recours de ${delaiRecours(d.annee)} court à compter de cette date.`,
          ],
          alignment: 'justify', color: GRIS, fontSize: 8.5,
        },
      ],
      fontSize: 9, margin: [0, 0, 0, 14],
    },
    {
      // the closing and the signature stay together: never a signature alone at the top of a page
      stack: [
        { text: 'Nous vous prions d’agréer, Madame, Monsieur, l’expression de nos salutations distinguées.', margin: [0, 0, 0, 4] },
        { text: `Le service tarification de la ${carsat.nom}`, alignment: 'right', color: BLEU },
      ],
      unbreakable: true,
    },
    ...d.sections.flatMap((s, i) => detailSection(s, i, n)),
  ];

  return {
    pageSize: 'A4',
    pageMargins: [42, 40, 42, 48],
    info: {
      title: `Notification des taux AT/MP ${d.annee} — ${dest.nom}`,
      author: carsat.nom,
      subject: `Taux de cotisation accidents du travail et maladies professionnelles ${d.annee} — SIREN ${dest.siren}`,
      keywords: `AT/MP ${d.annee} ${dest.siren}`,
      creator: 'atmp',
      producer: 'atmp (pdfmake)',
      creationDate: new Date(d.horodatage),
    },
    footer: (page: number, pages: number) => ({
      columns: [
        { text: `${carsat.nom} — ${d.reference}`, fontSize: 7, color: GRIS },
        { text: `page ${page} / ${pages}`, alignment: 'right', fontSize: 7, color: GRIS },
      ],
      margin: [42, 16, 42, 0],
    }),
    content,
    defaultStyle: { fontSize: 9.5, lineHeight: 1.15 },
    styles: {
      carsat: { fontSize: 13, bold: true, color: BLEU },
      h2: { fontSize: 11, bold: true, color: BLEU, margin: [0, 6, 0, 4] },
      h3: { fontSize: 8.5, bold: true, color: GRIS, margin: [0, 2, 0, 1] },
      th: { bold: true, color: BLEU, fillColor: FOND, fontSize: 7.5 },
    },
  };
}

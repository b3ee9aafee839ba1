/**
 * The campaign report as a PDF (pdfmake document definition): the same figures and SVG charts as the HTML file,
 * laid out on A4 pages. Built from the data of pipelines/rapport (nothing recomputed).
 */
import type { TDocumentDefinitions } from '../notification.ts';

type Data = Record<string, any>;

/**
 * SVG text goes straight to pdfkit (svg-to-pdfkit), which opens fonts by path and would miss the embedded
 * Roboto of the virtual file system; the charts' labels use the standard Helvetica instead (WinAnsi: every
 * French letter, but not the minus sign nor ≤ ≥, written plainly here).
 */
export const POLICE_GRAPHIQUES = { Helvetica: { normal: 'Helvetica', bold: 'Helvetica-Bold', italics: 'Helvetica-Oblique', bolditalics: 'Helvetica-BoldOblique' } };
const svgPdf = (svg: string) => svg.replace(/−/g, '-').replace(/≤/g, '&lt;=').replace(/≥/g, '&gt;=');

const tableau = (entetes: string[], lignes: string[][], droite: number[] = []) => ({
  table: {
    headerRows: 1,
    widths: entetes.map(() => 'auto'),
    body: [
      entetes.map((t) => ({ text: t, style: 'th' })),
      ...(lignes.length ? lignes : [entetes.map((_, i) => (i === 0 ? 'aucun' : ''))]).map((l) => l.map((c, i) => ({ text: c, alignment: droite.includes(i) ? 'right' : 'left' }))),
    ],
  },
  layout: 'lightHorizontalLines',
  fontSize: 8,
  margin: [0, 4, 0, 12],
});

export function definitionRapport(d: Data): TDocumentDefinitions {
  const r = d.resume;
  return {
    pageSize: 'A4',
    pageMargins: [36, 48, 36, 40],
    info: { title: `Campagne de tarification AT/MP ${d.annee} — rapport`, author: 'atmp', subject: 'Rapport de campagne' },
    footer: (page: number, pages: number) => ({ text: `page ${page} / ${pages}`, alignment: 'right', fontSize: 8, margin: [0, 10, 36, 0] }),
    defaultStyle: { fontSize: 9 },
    styles: { h1: { fontSize: 16, bold: true, color: '#1f3864' }, h2: { fontSize: 12, bold: true, color: '#1f3864', margin: [0, 10, 0, 4] }, th: { bold: true, fillColor: '#eef1f7' } },
    content: [
      { text: `Campagne de tarification AT/MP ${d.annee}`, style: 'h1' },
      { text: `${d.statut} — rapport établi le ${d.date}`, margin: [0, 2, 0, 0], color: '#555' },
      { text: d.validite, margin: [0, 2, 0, 10], color: '#555' },
      tableau(
        ['Sections tarifées', 'Entreprises', 'Taux moyen pondéré', 'Écrêtements hausse / baisse', 'Erreurs'],
        [[`${r.calculees} / ${r.sections}`, String(r.entreprises), d.tauxMoyen, `${r.ecretements?.hausse ?? 0} / ${r.ecretements?.baisse ?? 0}`, String(r.erreurs)]],
      ),
      ...(d.decisions ? [tableau(
        ['Rectifications', 'Ristournes', 'Cotisations supplémentaires', 'Taux en cours d’année'],
        [[String(d.decisions.rectifications), String(d.decisions.ristournes), String(d.decisions.cotisations_supplementaires), String(d.decisions.en_cours_annee)]],
      )] : []),
      { columns: [{ svg: svgPdf(d.graphiques.modes), width: 255, font: 'Helvetica' }, { svg: svgPdf(d.graphiques.ecretements), width: 255, font: 'Helvetica' }] },
      { svg: svgPdf(d.graphiques.distribution), width: 520, margin: [0, 8, 0, 0], font: 'Helvetica' },
      { svg: svgPdf(d.graphiques.variations), width: 520, margin: [0, 8, 0, 0], font: 'Helvetica' },
      { text: 'Plus fortes variations', style: 'h2', pageBreak: 'before' },
      tableau(
        ['SIRET', 'Établissement', 'Code', 'Mode', 'Préc.', 'Calculé', 'Notifié', 'Variation', 'Écrêt.'],
        d.variations.map((v: Data) => [v.siret, v.nom, v.code_risque, v.mode, v.taux_precedent, v.taux_calcule, v.taux_notifie, v.variation, v.ecretement]),
        [4, 5, 6, 7],
      ),
      { text: `Sinistralité par CTN (années ${d.debut} à ${d.fin})`, style: 'h2' },
      tableau(
        ['CTN', 'Sections', 'Masse salariale', 'Sinistres (IT)', 'IP', 'Valeur du risque', 'Taux moyen pondéré'],
        d.ctn.map((c: Data) => [c.ctn, String(c.sections), c.masse_salariale, String(c.sinistres_it), String(c.sinistres_ip), c.valeur_du_risque, c.taux_moyen_pondere]),
        [1, 2, 3, 4, 5, 6],
      ),
      { svg: svgPdf(d.graphiques.indiceFrequenceCtn), width: 520, margin: [0, 4, 0, 0], font: 'Helvetica' },
      { text: `AT en 1er règlement pour 1 000 salariés en ${d.fin}, région (secret statistique appliqué) et nation (${d.comparaisonIf.note}).`, fontSize: 8, color: '#555', margin: [0, 2, 0, 4] },
      tableau(['CTN', 'Libellé', `Région ${d.fin}`, 'Nation', 'Région / nation'], d.comparaisonIf.lignes.map((l: Data) => [l.ctn, l.libelle ?? '', l.region, l.nation, l.ratio]), [2, 3, 4]),
      { text: 'Qualité des données DSN', style: 'h2' },
      { text: `${d.qualite.fichiers_charges} fichiers chargés ; déclarations : ${Object.entries(d.qualite.declarations ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}.` },
      tableau(['Fichier rejeté', 'Motif'], (d.qualite.fichiers_rejetes ?? []).map((f: Data) => [f.chemin, f.raison])),
      tableau([`Mois manquants en ${d.anneeEffectif} : SIRET`, 'Mois'], (d.qualite.mois_manquants ?? []).map((m: Data) => [m.siret, (m.manquants ?? []).join(', ')])),
      { text: 'Sections non tarifées', style: 'h2' },
      tableau(['SIRET', 'Code risque', 'Motif'], (r.liste_erreurs ?? []).map((e: Data) => [e.siret, e.code_risque, e.erreur])),
    ],
  } as TDocumentDefinitions;
}

/**
 * The letter notifying rate decisions taken after the campaign (rectified rate, ristourne, cotisation
 * supplémentaire, rate during the year), one per recipient, every establishment concerned in it: old and new rate,
 * period, reason, legal basis, and the voies de recours (the two-month delay runs again from this letter).
 */
import type { Carsat, TDocumentDefinitions } from './notification.ts';
import { dateLongue, pourcent, siret as fSiret, siren as fSiren, libelleSection } from './format.ts';

export interface DecisionLettre {
  id: number;
  nature: string;
  annee: number;
  siret: string;
  raison_sociale: string | null;
  code_risque: string;
  section: string;
  ancien_taux: string | null;
  taux: string;
  debut: string;
  fin: string;
  motif: string;
  base_legale: string;
}

export interface DonneesLettre {
  carsat: Carsat;
  date: string;
  destinataire: { siren: string; nom: string; adresse: string | null; code_postal: string | null; commune: string | null };
  decisions: DecisionLettre[];
}

const OBJET: Record<string, string> = {
  rectification: 'notification de taux rectifié',
  ristourne: 'décision de ristourne',
  ristourne_trajet: 'décision de ristourne trajet',
  cotisation_supplementaire: 'imposition d’une cotisation supplémentaire',
  fin_cotisation_supplementaire: 'fin de la cotisation supplémentaire (mesures réalisées)',
  creation: 'notification de taux (section créée en cours d’année)',
  reclassement: 'notification de taux (changement de code risque)',
};

export const objetLettre = (natures: string[]) => [...new Set(natures)].map((n) => OBJET[n] ?? n).join(' ; ');

export function definitionLettre(d: DonneesLettre): TDocumentDefinitions {
  const dest = d.destinataire;
  const rectification = d.decisions.some((x) => x.nature === 'rectification');
  const lignes = d.decisions.map((x) => [
    { text: `${fSiret(x.siret)}\n${x.raison_sociale ?? ''}`, fontSize: 8 },
    `${x.code_risque}\n${libelleSection(x.section)}`,
    `${dateLongue(x.debut)}\nau ${dateLongue(x.fin)}`,
    x.ancien_taux ? pourcent(x.ancien_taux) : '—',
    { text: pourcent(x.taux), bold: true },
    { text: `${x.motif}\n${x.base_legale}`, fontSize: 7.5 },
  ]);
  return {
    pageSize: 'A4',
    pageMargins: [42, 40, 42, 48],
    info: { title: `${objetLettre(d.decisions.map((x) => x.nature))} — ${dest.nom}`, author: d.carsat.nom, creator: 'atmp', producer: 'atmp (pdfmake)', creationDate: new Date(`${d.date}T12:00:00Z`) },
    footer: (page: number, pages: number) => ({ text: `${d.carsat.nom} — page ${page} / ${pages}`, fontSize: 7, alignment: 'right', margin: [42, 16, 42, 0] }),
    content: [
      { columns: [
        { stack: [{ text: d.carsat.nom, bold: true, fontSize: 13 }, ...d.carsat.adresse, 'Service tarification AT/MP'] },
        { stack: [dest.nom, `SIREN ${fSiren(dest.siren)}`, dest.adresse ?? '', [dest.code_postal, dest.commune].filter(Boolean).join(' ')], margin: [60, 30, 0, 0] },
      ] },
      { text: `Le ${dateLongue(d.date)}`, alignment: 'right', margin: [0, 16, 0, 8] },
      { text: `Objet : ${objetLettre(d.decisions.map((x) => x.nature))}`, bold: true, margin: [0, 0, 0, 8] },
      {
        text: rectification
          ? 'Madame, Monsieur, les taux de cotisation accidents du travail et maladies professionnelles notifiés ci-dessous ont été rectifiés. Le nouveau taux remplace l’ancien pour toute la période indiquée.'
          : 'Madame, Monsieur, la caisse a pris les décisions de taux suivantes pour les établissements ci-dessous.',
        margin: [0, 0, 0, 8],
      },
      {
        table: { headerRows: 1, widths: [78, 52, 70, 42, 42, '*'], body: [
          ['Établissement', 'Code risque', 'Période', 'Ancien taux', 'Nouveau taux', 'Motif et fondement'].map((t) => ({ text: t, bold: true, fontSize: 8 })),
          ...lignes,
        ] },
        fontSize: 8.5, layout: 'lightHorizontalLines',
      },
      ...(rectification ? [{ text: 'Les cotisations déjà versées sur la période seront régularisées par l’URSSAF, qui reçoit le détail de cette rectification (code de la sécurité sociale, art. L243-6).', margin: [0, 10, 0, 0] as [number, number, number, number] }] : []),
      { text: 'Voies de recours', bold: true, margin: [0, 12, 0, 4] },
      {
        text: 'Vous pouvez contester cette décision dans un délai de deux mois à compter de sa réception devant la cour d’appel d’Amiens, chambre spécialisée du contentieux de la tarification (code de la sécurité sociale, art. R142-1-A III). Un recours gracieux auprès de la caisse peut être formé dans le même délai. Ce délai court de nouveau à compter de la réception de la présente notification.',
      },
      { text: `Le service tarification de la ${d.carsat.nom}`, alignment: 'right', margin: [0, 16, 0, 0] },
    ],
    defaultStyle: { fontSize: 9.5, lineHeight: 1.15 },
  };
}

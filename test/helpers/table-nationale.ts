/**
 * Small national AT tables (the Assurance Maladie's "Risque AT par CTN et code NAF") written as xlsx the way the
 * published file lays them out: a title, a note, a blank row, the header, then one row per CTN × NAF5.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import writeXlsxFile from 'write-excel-file/node';
import { ROOT } from './cli.ts';
import { COLONNES_NATIONALES } from '../../pipelines/statistiques/reference.ts';

export const XLSX_PUBLIE = join(ROOT, '..', 'shared', 'reference', 'statistiques', 'ameli-risque-at-2024-ctn-naf.xlsx');
export const PUBLIE_PRESENT = existsSync(XLSX_PUBLIE);
export const RAISON_ABSENT = `${XLSX_PUBLIE} absent (../shared/reference/statistiques non fourni) : test sauté`;
export const CSV_LIVRE = join(ROOT, 'reference', 'statistiques', 'risque-at-2024-ctn-naf.csv');

export const CAUSES = ['Outillage à main', 'Chutes de hauteur'];
/** header as published (note the trailing blank of "dont IP avec taux ≥ 10% ") */
export const ENTETE = [...COLONNES_NATIONALES.map((c) => (c.champ === 'ip_10_ou_plus' ? `${c.publie} ` : c.publie)), ...CAUSES, "fait l'objet d'une fiche de sinistralité 2024"];

type Cellule = string | number | null;
/** ctn, libellé, naf5, libellé, naf2, libellé, naf38, libellé, then 12 measures, 2 causes, fiche */
export const LIGNES: Cellule[][] = [
  ['AA', 'Industries de la métallurgie', '2451Z', 'Fonderie de fonte', '24', 'Métallurgie', 'CH', 'Métallurgie et produits métalliques', 1000, 1600000, 40, 30, 27, 3, 2, 1, 1, 2500, 7, 127, 4, 2, 'ok'],
  ['AA', 'Industries de la métallurgie', '2562B', 'Mécanique industrielle', '25', 'Fabrication de produits métalliques', 'CH', 'Métallurgie et produits métalliques', 500, 800000, 30, 10, 9, null, null, null, null, 400, null, null, 1, null, null],
  ['BB', 'Industries du bâtiment et des travaux publics', '4312A', 'Travaux de terrassement courants', '43', 'Travaux de construction spécialisés', 'FZ', 'Construction', 2000, 3000000, 100, 80, 75, 6, 4, 2, 0, 9000, 12, 42, 10, 20, 'ok'],
  ['BB', 'Industries du bâtiment et des travaux publics', 'xxxxx', 'Valeur manquante', 'xx', 'Valeur manquante', 'xx', 'Valeur manquante', 10, 15000, 2, 1, 1, 0, 0, 0, 0, 12, 0, 0, 0, 0, null],
];
/** sums of the rows above */
export const TOTAUX = { salaries: '3510', heures: '5415000', nb_siret: '172', at_premier_reglement: '121', at_4j_ou_plus: '112', nouvelles_ip: '9', ip_moins_10: '6', ip_10_ou_plus: '3', deces: '1', journees_it: '11912', somme_taux_ip_moins_10: '19', somme_taux_ip: '169' };

export async function xlsxNational(opts: { lignes?: Cellule[][]; entete?: string[]; feuille?: string; titre?: string } = {}): Promise<Buffer> {
  const data = [
    [opts.titre ?? 'Risque Accident du travail 2024 par CTN et code NAF (champ 9 CTN)'],
    [null, null, null, 'Les cases vides correspondent à la valeur 0.'],
    [],
    opts.entete ?? ENTETE,
    ...(opts.lignes ?? LIGNES),
  ];
  return writeXlsxFile(data as never, { sheet: opts.feuille ?? 'AT 2024 par CTN X NAF' }).toBuffer();
}

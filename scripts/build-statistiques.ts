/**
 * Rebuilds the national AT table shipped in reference/statistiques/ from the file the Assurance Maladie publishes
 * ("Risque AT par CTN et code NAF", xlsx), so that a fresh clone compares its region with the nation without the
 * published file (a maintainer's tool, run by hand when a new year is published; the output is committed):
 *   npx tsx scripts/build-statistiques.ts FICHIER.xlsx ANNEE
 * The file is read and validated by the importer itself (pipelines/statistiques/reference.ts): what is shipped is
 * exactly what `atmp stats reference import FICHIER.xlsx --annee ANNEE` would load. Values are the cells' text
 * (never floats); the file's empty cells are written 0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvCell } from '../lib/csv.ts';
import { COLONNES_NATIONALES, lireTableNationale, type TableNationale } from '../pipelines/statistiques/reference.ts';

export const DOSSIER = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference', 'statistiques');
export const nomFichier = (annee: number) => `risque-at-${annee}-ctn-naf.csv`;

/** The project's CSV format of a national table (read back by lireTableNationale). */
export function formatProjet(t: TableNationale, annee: number): string {
  const ligne = (vals: string[]) => vals.map((v) => csvCell(v, ';')).join(';');
  const entete = [...COLONNES_NATIONALES.map((c) => c.champ), 'fiche_sinistralite', ...t.causes.map((c) => `cause:${c}`)];
  return [
    `# Risque accident du travail ${annee} par CTN et code NAF (champ 9 CTN) : une ligne par CTN × code NAF (NAF5), avec ses codes NAF2 et NAF38.`,
    `# Source : Assurance Maladie – Risques professionnels, « Risque AT CTN x NAF série annuelle » (assurance-maladie.ameli.fr), fichier ${basename(t.fichier)}${t.feuille ? `, feuille « ${t.feuille} »` : ''}, sha256 ${t.sha256}. Données publiques : citer l'Assurance Maladie.`,
    `# Année : ${annee}`,
    `# Construit par scripts/build-statistiques.ts : CTN en une lettre (le fichier publié la double : AA pour A) ; cellules vides du fichier publié écrites 0 ; xxxxx / xx : valeur manquante ; causes (cause:…) dans l'ordre du fichier ; fiche_sinistralite : oui si le fichier marque la ligne « ok ».`,
    ligne(entete),
    ...t.lignes.map((l) => ligne([...COLONNES_NATIONALES.map((c) => l.valeurs[c.champ]), l.fiche_sinistralite ? 'oui' : '', ...l.causes.map((c) => c.nombre)])),
  ].join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [fichier, an] = process.argv.slice(2);
  const annee = Number(an);
  if (!fichier || !/^\d{4}$/.test(an ?? '')) {
    process.stderr.write('usage : npx tsx scripts/build-statistiques.ts FICHIER.xlsx ANNEE\n');
    process.exit(2);
  }
  const t = await lireTableNationale(fichier);
  if (t.anneeDuFichier !== undefined && t.anneeDuFichier !== annee) throw new Error(`le fichier porte l'année ${t.anneeDuFichier}, pas ${annee}`);
  mkdirSync(DOSSIER, { recursive: true });
  const sortie = join(DOSSIER, nomFichier(annee));
  writeFileSync(sortie, formatProjet(t, annee));
  process.stdout.write(`${sortie} : ${t.lignes.length} lignes\n`);
}

import type { Command } from 'commander';
import { action, parseAnnee, withDb } from '../run.ts';
import { exporterSinistralite, PARS, type Format, type Par } from '../../pipelines/statistiques/sinistralite.ts';
import { loadConfig } from '../../lib/config.ts';
import { UserError } from '../../lib/errors.ts';

const AIDE = `
Une ligne par cellule (code risque, CTN ou code NAF/APET de l'établissement) :
  nb_etablissements, nb_entreprises, effectif, heures, masse_salariale ;
  AT : at_avec_arret, at_jours_it, at_nouvelles_ip, at_somme_taux_ip, at_deces ;
  trajet (à part) : trajet_accidents, trajet_jours_it, trajet_nouvelles_ip, trajet_somme_taux_ip, trajet_deces ;
  MP : mp_maladies, mp_jours_it, mp_nouvelles_ip, mp_somme_taux_ip, mp_deces ;
  indicateurs (AT seuls, arrondis à 2 décimales, vides si le dénominateur est nul) :
    indice de fréquence = AT avec arrêt × 1 000 / effectif
    taux de fréquence   = AT avec arrêt × 1 000 000 / heures travaillées
    taux de gravité     = jours d'IT × 1 000 / heures travaillées
    indice de gravité   = somme des taux d'IP des nouvelles IP × 1 000 000 / heures travaillées

Règles de décompte (docs tarification §12) et lectures retenues faute de donnée exacte dans l'extrait CPAM :
  - un sinistre compte l'année de son premier règlement, lue comme la plus ancienne de : année du premier jour
    d'arrêt indemnisé (lendemain de l'accident) si jours d'arrêt > 0, année de notification de l'IP si taux > 0,
    année de l'accident pour un décès ; un AT sans arrêt, sans IP ni décès n'est jamais compté ;
  - jours d'IT : jours d'arrêt du sinistre, comptés en entier l'année de son premier règlement ;
  - nouvelle IP : taux d'IP > 0 notifié dans l'année (date de notification) ;
  - décès : seulement avant consolidation ; un décès sur un sinistre ayant un taux d'IP notifié est lu comme
    postérieur à la consolidation et n'est pas compté ;
  - version courante de chaque sinistre ; sinistres inopposables comptés ; intérimaires comptés chez l'ETT ;
    MP du compte spécial (CTN Z) hors tableaux, dénombrées dans l'en-tête ;
  - effectif : somme des effectifs mensuels R130-1 de l'année / 12 ; heures et masse salariale des DSN retenues ;
  - champ : section principale de l'établissement (hors 00.00A/00.00B) ; les bureaux et sièges (établissements
    ne déclarant en DSN que des codes FSNA ou bureau) sont exclus ; NAF : APET déclaré en DSN dans l'année.

Secret statistique : une cellule décrivant moins de 3 entreprises (SIREN distincts), ou dont une entreprise
dépasse 85 % de l'effectif, des heures ou de la masse salariale, garde sa ligne avec secret = oui et son motif
(seuil, dominance) ; tous ses chiffres sont vidés. Règle rappelée en tête du fichier (lignes # en CSV, objet
metadata en JSON). Pas de secret secondaire : aucune ligne de total n'est produite.

Sortie par défaut : $ATMP_OUT_DIR/statistiques/sinistralite-<annee>-<par>.<csv|json>, écrite ligne à ligne.
Documentation complète et vues SQL interrogeables avec psql : pipelines/statistiques/README.md.

Exemples :
  atmp stats sinistralite --annee 2024 --par ctn
  atmp stats sinistralite --annee 2024 --par code-risque --fr --bom --out sinistralite.csv
  atmp stats sinistralite --annee 2024 --par naf --format json
`;

export function register(program: Command) {
  const stats = program.commands.find((c) => c.name() === 'stats') ?? program.command('stats').description('statistiques pour les statisticiens');

  stats
    .command('sinistralite')
    .description('statistiques de sinistralité AT/MP d\'une année par code risque, CTN ou code NAF, sous secret statistique')
    .requiredOption('--annee <A>', 'année des statistiques')
    .requiredOption('--par <ventilation>', `ventilation : ${PARS.join(', ')}`)
    .option('--format <format>', 'csv ou json', 'csv')
    .option('--out <fichier>', 'fichier à écrire (défaut : $ATMP_OUT_DIR/statistiques/sinistralite-<annee>-<par>.<format>)')
    .option('--fr', 'CSV pour un tableur français : séparateur « ; » et virgule décimale')
    .option('--bom', 'CSV en UTF-8 avec BOM (accents lus correctement par les tableurs)')
    .addHelpText('after', AIDE)
    .action(
      action(async (opts: { annee: string; par: string; format: string; out?: string; fr?: boolean; bom?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        if (!(PARS as readonly string[]).includes(opts.par)) throw new UserError(`--par ${opts.par} : ${PARS.join(', ')} attendu`, 2);
        if (opts.format !== 'csv' && opts.format !== 'json') throw new UserError(`--format ${opts.format} : csv ou json attendu`, 2);
        if (opts.format === 'json' && (opts.fr || opts.bom)) throw new UserError('--fr et --bom ne concernent que le format csv', 2);
        const { outDir } = loadConfig();
        const r = await withDb((db) =>
          exporterSinistralite(db, { annee, par: opts.par as Par, format: opts.format as Format, out: opts.out, outDir, fr: opts.fr, bom: opts.bom }),
        );
        process.stdout.write(
          `Statistiques de sinistralité ${annee} par ${opts.par} : ${r.lignes} ligne(s) dont ${r.secretes} sous secret statistique, écrites dans ${r.chemin}\n`,
        );
      }),
    );
}

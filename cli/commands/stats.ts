import type { Command } from 'commander';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { ALIAS_PARS, DISPOSITIONS, exporterSinistralite, PARS, type Disposition, type Format, type Par } from '../../pipelines/statistiques/sinistralite.ts';
import { importerTableNationale, lireTableNationale, totauxNationaux } from '../../pipelines/statistiques/reference.ts';
import { loadConfig } from '../../lib/config.ts';
import { UserError } from '../../lib/errors.ts';

const AIDE = `
Niveaux (--par) : code-risque, ctn, naf5 (APET de l'établissement ; naf accepté), naf2, naf38, ctn-naf (CTN × NAF5).
NAF2 et NAF38 viennent de la nomenclature de la table nationale chargée (atmp stats reference import).

Colonnes (--colonnes) :
  atmp        clés du niveau, secret, motif_secret, nb_etablissements, nb_entreprises, effectif, heures,
              masse_salariale ; AT : at_avec_arret (en 1er règlement), at_4j_ou_plus, at_jours_it, at_nouvelles_ip,
              at_ip_moins_10, at_ip_10_ou_plus, at_somme_taux_ip_moins_10, at_somme_taux_ip, at_deces ;
              trajet_* et mp_* (à part) ; les quatre indicateurs ; puis la cellule nationale (nat_*) et les
              rapports à la nation (ratio_*) ;
  nationales  les colonnes de la table nationale de l'Assurance Maladie, dans son ordre et sous ses noms (CTN
              doublé : AA), puis secret, indicateurs, cellule nationale et rapports.
Indicateurs (AT seuls, arrondis à 2 décimales, vides si le dénominateur est nul) :
    indice de fréquence = AT × 1 000 / salariés
    taux de fréquence   = AT × 1 000 000 / heures travaillées
    taux de gravité     = journées d'IT × 1 000 / heures travaillées
    indice de gravité   = somme des taux d'IP × 1 000 000 / heures travaillées
Rapport à la nation : indicateur régional / indicateur national de la même cellule. La table nationale est celle
de l'année demandée, sinon l'année chargée la plus proche, nommée dans l'en-tête (nat_annee).

Règles de décompte et lectures retenues faute de donnée exacte dans l'extrait CPAM (pas de date de paiement) :
  - AT en 1er règlement : année du premier jour d'arrêt indemnisé (lendemain de l'accident) si jours d'arrêt > 0,
    sinon année de notification de l'IP, sinon année de l'accident pour un décès ; un AT sans arrêt, sans IP ni
    décès n'est jamais compté ;
  - journées d'IT : comptées l'année où elles sont payées, lue comme l'année de chaque jour de la période d'arrêt
    (continue, du lendemain de l'accident, jours d'arrêt du sinistre) ;
  - dont AT avec 4 jours d'arrêt ou plus : au moins 4 jours de la période d'arrêt dans l'année du 1er règlement ;
  - nouvelle IP : taux > 0 notifié dans l'année, séparées < 10 % et ≥ 10 % ; somme des taux d'IP : chaque décès
    compté pour 99 % comme dans la table nationale ;
  - décès : seulement avant consolidation ; un décès sur un sinistre ayant un taux d'IP notifié est lu comme
    postérieur à la consolidation et n'est pas compté ;
  - version courante de chaque sinistre ; sinistres inopposables comptés ; intérimaires comptés chez l'ETT ;
    MP du compte spécial (CTN Z) hors tableaux, dénombrées dans l'en-tête ;
  - salariés : somme des effectifs mensuels R130-1 de l'année / 12 ; heures et masse salariale des DSN retenues ;
  - champ : section principale de l'établissement (hors 00.00A/00.00B) ; les bureaux et sièges (établissements
    ne déclarant en DSN que des codes FSNA ou bureau) sont exclus.

Secret statistique : une cellule décrivant moins de 3 entreprises (SIREN distincts), ou dont une entreprise
dépasse 85 % de l'effectif, des heures ou de la masse salariale, garde sa ligne avec secret = oui et son motif
(seuil, dominance) ; tous ses chiffres régionaux et rapports sont vidés. Secret secondaire (motif secondaire) pour
les cellules publiées avec un total : CTN × NAF5 avec les tables par CTN et par NAF5, code risque dans son CTN,
NAF5 dans son NAF2, NAF2 dans son NAF38 — les plus petites cellules sont retirées jusqu'à ce qu'aucune cellule
secrète ne se calcule par différence. Règles rappelées en tête du fichier (lignes # en CSV, metadata en JSON).

Sortie par défaut : $ATMP_OUT_DIR/statistiques/sinistralite-<annee>-<par>.<csv|json>, écrite ligne à ligne ;
--out - : sortie standard. Documentation complète et vues SQL interrogeables avec psql : docs/statistiques.md.

Exemples :
  atmp stats sinistralite --annee 2024 --par ctn
  atmp stats sinistralite --annee 2024 --par ctn-naf --colonnes nationales --fr --bom --out sinistralite.csv
  atmp stats sinistralite --annee 2024 --par naf2 --format json --out -
`;

const AIDE_IMPORT = `
FICHIER : la table « Risque AT par CTN et code NAF » publiée par l'Assurance Maladie (xlsx, tel que publié), ou
le format CSV du projet (reference/statistiques/risque-at-<annee>-ctn-naf.csv) ; - lit l'entrée standard.
Contrôles : toutes les colonnes de la table présentes, une fois ; chaque ligne complète (codes CTN, NAF, NAF2,
NAF38 et libellés) ; nombres positifs (entiers pour les dénombrements ; case vide = 0) ; totaux cohérents avec leurs
parties (AT ≥ 4 jours ≤ AT ; IP < 10 % + IP ≥ 10 % = nouvelles IP ; sommes des taux compatibles avec les nombres
d'IP, décès comptés 99 % ; causes ≤ AT) ; une ligne par CTN × NAF ; libellés et rattachements NAF constants ;
année du fichier = --annee. Un fichier fautif est refusé en nommant la feuille, la ligne et la colonne de chaque
problème ; rien n'est chargé. La table de l'année remplace la précédente, en une transaction.

Exemple :
  atmp stats reference import reference/statistiques/risque-at-2024-ctn-naf.csv --annee 2024
`;

export function register(program: Command) {
  const stats = program.commands.find((c) => c.name() === 'stats') ?? program.command('stats').description('statistiques pour les statisticiens');

  stats
    .command('sinistralite')
    .description('statistiques de sinistralité AT/MP d\'une année par code risque, CTN, NAF5, NAF2, NAF38 ou CTN × NAF5, comparées à la nation, sous secret statistique')
    .requiredOption('--annee <A>', 'année des statistiques')
    .requiredOption('--par <niveau>', `niveau : ${PARS.join(', ')}`)
    .option('--colonnes <disposition>', 'atmp ou nationales (colonnes de la table nationale)', 'atmp')
    .option('--format <format>', 'csv ou json', 'csv')
    .option('--out <fichier>', 'fichier à écrire, - pour la sortie standard (défaut : $ATMP_OUT_DIR/statistiques/sinistralite-<annee>-<par>.<format>)')
    .option('--fr', 'CSV pour un tableur français : séparateur « ; » et virgule décimale')
    .option('--bom', 'CSV en UTF-8 avec BOM (accents lus correctement par les tableurs)')
    .addHelpText('after', AIDE)
    .action(
      action(async (opts: { annee: string; par: string; colonnes: string; format: string; out?: string; fr?: boolean; bom?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        const par = ALIAS_PARS[opts.par] ?? opts.par;
        if (!(PARS as readonly string[]).includes(par)) throw new UserError(`--par ${opts.par} : ${PARS.join(', ')} attendu`, 2);
        if (!(DISPOSITIONS as readonly string[]).includes(opts.colonnes)) throw new UserError(`--colonnes ${opts.colonnes} : ${DISPOSITIONS.join(' ou ')} attendu`, 2);
        if (opts.format !== 'csv' && opts.format !== 'json') throw new UserError(`--format ${opts.format} : csv ou json attendu`, 2);
        if (opts.format === 'json' && (opts.fr || opts.bom)) throw new UserError('--fr et --bom ne concernent que le format csv', 2);
        const { outDir } = loadConfig();
        const r = await withDb((db) =>
          exporterSinistralite(db, { annee, par: par as Par, colonnes: opts.colonnes as Disposition, format: opts.format as Format, out: opts.out, outDir, fr: opts.fr, bom: opts.bom }),
        );
        const comparaison = r.metadata.comparaison_nationale.note;
        // with --out -, standard output holds the table: the summary goes to standard error
        (opts.out === '-' ? process.stderr : process.stdout).write(
          `Statistiques de sinistralité ${annee} par ${par} : ${r.lignes} ligne(s) dont ${r.secretes} sous secret statistique (${r.secondaires} par secret secondaire), ${r.chemin === '-' ? 'écrites sur la sortie standard' : `écrites dans ${r.chemin}`} ; comparaison : ${comparaison}\n`,
        );
      }),
    );

  const reference = stats.command('reference').description('la table nationale de l\'Assurance Maladie (AT par CTN et code NAF)');

  reference
    .command('import')
    .description('charge la table nationale d\'une année après l\'avoir validée entière (tout ou rien)')
    .argument('<fichier>', 'xlsx publié ou CSV du projet ; - pour l\'entrée standard')
    .requiredOption('--annee <A>', 'année de la table')
    .addHelpText('after', AIDE_IMPORT)
    .action(
      action(async (fichier: string, opts: { annee: string }) => {
        const annee = parseAnnee(opts.annee);
        const table = await lireTableNationale(fichier);
        const r = await withDb((db) => importerTableNationale(db, table, annee));
        process.stdout.write(`Table nationale ${annee} chargée : ${r.lignes} lignes (CTN × NAF)${r.remplace ? ', en remplacement de la précédente' : ''} depuis ${fichier}\n`);
      }),
    );

  reference
    .command('show')
    .description('les totaux nationaux d\'une année chargée (sommes de la table publiée), ses indicateurs, par CTN et par cause')
    .argument('<annee>', 'année de la table')
    .option('--json', 'sortie JSON')
    .action(
      action(async (an: string, opts: { json?: boolean }) => {
        const annee = parseAnnee(an);
        const t = await withDb((db) => totauxNationaux(db.knex, annee));
        if (opts.json) return void printJson(t);
        const n = (s: string | null) => (s === null ? '—' : s.replace(/\B(?=(\d{3})+(?!\d))/g, ' ').replace('.', ','));
        const lignes = [
          `Table nationale ${t.annee} : ${t.lignes} lignes (CTN × NAF), chargée le ${t.importe_le.slice(0, 10)} depuis ${t.fichier}`,
          `Source : ${t.source}`,
          '',
          `  salariés                       ${n(t.totaux.salaries)}`,
          `  heures travaillées             ${n(t.totaux.heures)}`,
          `  SIRET                          ${n(t.totaux.nb_siret)}`,
          `  AT en 1er règlement            ${n(t.totaux.at_premier_reglement)}`,
          `    dont 4 jours d'arrêt ou plus ${n(t.totaux.at_4j_ou_plus)}`,
          `  nouvelles IP                   ${n(t.totaux.nouvelles_ip)}`,
          `    dont taux < 10 %             ${n(t.totaux.ip_moins_10)}`,
          `    dont taux ≥ 10 %             ${n(t.totaux.ip_10_ou_plus)}`,
          `  décès                          ${n(t.totaux.deces)}`,
          `  journées d'IT                  ${n(t.totaux.journees_it)}`,
          `  somme des taux d'IP < 10 %     ${n(t.totaux.somme_taux_ip_moins_10)}`,
          `  somme des taux d'IP            ${n(t.totaux.somme_taux_ip)}`,
          '',
          `  indice de fréquence ${n(t.indicateurs.indice_frequence)} ; taux de fréquence ${n(t.indicateurs.taux_frequence)} ; taux de gravité ${n(t.indicateurs.taux_gravite)} ; indice de gravité ${n(t.indicateurs.indice_gravite)}`,
          '',
          '  CTN  salariés     AT en 1er règl.  journées d\'IT  IF      TF      TG    IG',
          ...t.par_ctn.map((c) =>
            `  ${c.ctn}    ${n(c.salaries).padStart(11)}  ${n(c.at_premier_reglement).padStart(15)}  ${n(c.journees_it).padStart(13)}  ${n(c.indice_frequence).padStart(6)}  ${n(c.taux_frequence).padStart(6)}  ${n(c.taux_gravite).padStart(4)}  ${n(c.indice_gravite).padStart(6)}`,
          ),
          '',
          '  AT par cause :',
          ...t.causes.map((c) => `    ${c.cause.padEnd(42)} ${n(c.nombre).padStart(9)}`),
        ];
        process.stdout.write(lignes.join('\n') + '\n');
      }),
    );
}

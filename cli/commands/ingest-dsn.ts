import type { Command } from 'commander';
import { action, printJson, withDb } from '../run.ts';
import { ingererDsn, type RapportFichier } from '../../pipelines/ingest-dsn/load.ts';
import { UserError } from '../../lib/errors.ts';
import { avecVerrouDonnees } from '../../jobs/verrou-donnees.ts';

export function register(program: Command) {
  const ingest =
    program.commands.find((c) => c.name() === 'ingest') ?? program.command('ingest').description('ingestion des données sources (DSN, référentiel, sinistres)');

  ingest
    .command('dsn')
    .description(
      "charge des fichiers DSN (norme NEODeS) : faits par établissement et par mois (masse salariale par mois de rattachement, effectif R130-1, heures, code risque) ; un fichier défectueux est rejeté en entier (fichier:ligne: raison) et les autres sont chargés",
    )
    .argument('<chemins...>', 'fichiers DSN ou dossiers (parcourus récursivement)')
    .option('--json', 'rapport JSON')
    .option('--avertissements', 'affiche les avertissements (blocs inconnus, lignes trop longues…)')
    .action(
      action(async (chemins: string[], opts: { json?: boolean; avertissements?: boolean }) => {
        const ligne = (r: RapportFichier) => {
          if (opts.json) return;
          if (r.statut === 'rejete') process.stderr.write(`REJETÉ ${r.raison}\n`);
          else if (r.statut === 'deja_charge') process.stdout.write(`${r.raison}\n`);
          else {
            process.stdout.write(
              `${r.fichier}: ${r.declarations} déclaration(s) : ${r.retenues} retenue(s), ${r.remplacees} remplacée(s), ${r.ignorees.length} ignorée(s)\n`,
            );
            for (const i of r.ignorees) process.stdout.write(`  ${r.fichier}:${i.ligne}: ignorée : ${i.motif}\n`);
          }
          if (opts.avertissements) for (const a of r.avertissements) process.stderr.write(`  avertissement ${a}\n`);
        };
        let rapport;
        try {
          rapport = await withDb((db) => avecVerrouDonnees(db, 'ingest dsn', 'exclusif', () => ingererDsn(db, chemins, ligne)));
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (err.code === 'ENOENT') throw new UserError(`chemin introuvable : ${err.path ?? ''}`, 2);
          throw e;
        }
        if (opts.json) printJson(rapport);
        else {
          process.stdout.write(
            `Résumé : ${rapport.charges} fichier(s) chargé(s), ${rapport.deja_charges} déjà chargé(s), ${rapport.rejetes} rejeté(s) ; ` +
              `déclarations : ${rapport.declarations_retenues} retenue(s), ${rapport.declarations_remplacees} remplacée(s), ${rapport.declarations_ignorees} ignorée(s)\n`,
          );
          for (const f of rapport.fichiers.filter((x) => x.statut === 'rejete')) process.stdout.write(`  rejeté : ${f.raison}\n`);
          if (rapport.provisoires) process.stdout.write(`  ${rapport.provisoires} établissement(s) absent(s) du référentiel créé(s) à titre provisoire, à revoir\n`);
        }
        return rapport.rejetes ? 1 : 0;
      }),
    );
}

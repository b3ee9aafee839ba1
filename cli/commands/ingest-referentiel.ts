import type { Command } from 'commander';
import { action, parseAnnee, withDb } from '../run.ts';
import { loadConfig } from '../../lib/config.ts';
import { formatProblem } from '../../lib/errors.ts';
import { avecVerrouDonnees } from '../../jobs/verrou-donnees.ts';
import { importerReferentiel } from '../../pipelines/ingest-referentiel/import.ts';
import { importerSinistres } from '../../pipelines/ingest-sinistres/import.ts';
import { pluriel } from '../../pipelines/ingest-referentiel/valeurs.ts';

/** Adds `ingest referentiel` and `ingest sinistres` (the `ingest` parent may already exist: `ingest dsn`). */
export function register(program: Command) {
  const ingest =
    program.commands.find((c) => c.name() === 'ingest') ??
    program.command('ingest').description('ingestion des données : DSN, référentiel des employeurs, sinistres');

  ingest
    .command('referentiel')
    .description(
      "charge le référentiel des employeurs (groupes, entreprises, établissements, taux notifiés) ; type reconnu sur l'en-tête, chaque fichier chargé entièrement ou pas du tout (erreurs fichier:ligne (colonne))",
    )
    .option('--annee <N>', 'année du barème où les codes risque doivent exister (par défaut : année en cours)')
    .argument('<fichiers...>', 'CSV ; ou , (formats : pipelines/ingest-referentiel/README.md)')
    .action(
      action(async (fichiers: string[], opts: { annee?: string }) => {
        const annee = opts.annee ? parseAnnee(opts.annee) : undefined;
        const r = await withDb((db) => avecVerrouDonnees(db, 'ingest referentiel', 'exclusif', () => importerReferentiel(db.knex, fichiers, { annee })));
        const quoi = { groupes: 'groupes', entreprises: 'entreprises', etablissements: 'établissements', taux_notifies: 'taux notifiés' };
        for (const c of r.charges) process.stdout.write(`${c.fichier}: ${pluriel(c.lignes, 'ligne')} chargée${c.lignes > 1 ? 's' : ''} (${quoi[c.type]}, import n° ${c.importId})\n`);
        for (const e of r.rejetes) process.stderr.write(`atmp: ${e.message}\n`);
        return r.rejetes.length ? 1 : 0;
      }),
    );

  ingest
    .command('sinistres')
    .description(
      "charge les sinistres imputés (extraits CPAM, une ligne par sinistre et extraction) ; les lignes invalides vont dans un rapport de rejets (<sortie>/rejets/) et rien n'est chargé, sauf avec --partial",
    )
    .option('--partial', "charge les lignes valides d'un fichier qui a des rejets (en une transaction)")
    .argument('<fichiers...>', 'CSV ; ou , (format : pipelines/ingest-referentiel/README.md)')
    .action(
      action(async (fichiers: string[], opts: { partial?: boolean }) => {
        const { outDir } = loadConfig();
        const res = await withDb((db) => avecVerrouDonnees(db, 'ingest sinistres', 'exclusif', () => importerSinistres(db.knex, fichiers, { partiel: !!opts.partial, outDir })));
        let rejets = 0;
        for (const r of res) {
          rejets += r.rejets.length;
          const etat = r.applique ? `${pluriel(r.versions, 'version')} chargée${r.versions > 1 ? 's' : ''}` : `rien n'a été chargé (${pluriel(r.versions, 'version')} valide${r.versions > 1 ? 's' : ''})`;
          process.stdout.write(`${r.fichier}: ${pluriel(r.lignes, 'ligne')}, ${etat}, ${r.inchangees} inchangée(s), ${r.rejets.length} rejetée(s)\n`);
          if (r.rejets.length) {
            for (const p of r.rejets.slice(0, 20)) process.stderr.write(`  ${formatProblem(p)}\n`);
            if (r.rejets.length > 20) process.stderr.write(`  … ${r.rejets.length - 20} autres\n`);
            process.stderr.write(`atmp: ${r.fichier}: ${r.rejets.length} lignes rejetées, rapport : ${r.rapport}${r.applique ? '' : ' ; relancez avec --partial pour charger les lignes valides'}\n`);
          }
        }
        return rejets ? 1 : 0;
      }),
    );
}

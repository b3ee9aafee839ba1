import type { Command } from 'commander';
import { resolve } from 'node:path';
import { action, parseAnnee } from '../run.ts';
import { genererRegion } from '../../pipelines/generation/region.ts';
import { progress } from '../../lib/progress.ts';
import { UserError } from '../../lib/errors.ts';

export function register(program: Command) {
  program
    .command('generate')
    .description(
      'génère une région synthétique réaliste et déterministe : DSN NEODeS mensuelles, référentiel (groupes, entreprises, établissements, taux notifiés), extraits de sinistres CPAM',
    )
    .requiredOption('--out <dossier>', 'dossier de sortie (remplacé)')
    .option('--companies <n>', "nombre d'entreprises", '200')
    .option('--seed <s>', 'graine (même graine, mêmes fichiers)', '1')
    .option('--annee <N>', 'année de tarification visée (barème complet requis pour les CTN générés)', '2024')
    .action(
      action(async (opts: { out: string; companies: string; seed: string; annee: string }) => {
        // a region is a folder of files: standard output cannot hold it
        if (opts.out === '-') throw new UserError('--out - : generate écrit un dossier de fichiers (DSN, CSV, manifeste), pas un flux ; donnez un dossier', 2);
        const entreprises = Number(opts.companies);
        const graine = Number(opts.seed);
        if (!Number.isInteger(entreprises) || entreprises < 5) throw new UserError(`--companies ${opts.companies} : entier ≥ 5 attendu`, 2);
        if (!Number.isInteger(graine) || graine < 0) throw new UserError(`--seed ${opts.seed} : entier positif attendu`, 2);
        const bar = progress('génération');
        const r = genererRegion({ dossier: resolve(opts.out), entreprises, graine, annee: parseAnnee(opts.annee), progression: (f, t) => bar.update(f, t) });
        bar.stop();
        process.stdout.write(
          `${r.dossier} : ${r.entreprises} entreprises (${r.groupes} groupes), ${r.etablissements} établissements, ${r.fichiers_dsn} fichiers DSN (${r.declarations} déclarations), ${r.sinistres} sinistres ; manifeste.json décrit les cas particuliers\n`,
        );
      }),
    );
}

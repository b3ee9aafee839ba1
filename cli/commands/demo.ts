import type { Command } from 'commander';
import { action, parseAnnee, withDb } from '../run.ts';
import { demo } from '../../pipelines/demo/demo.ts';
import { UserError } from '../../lib/errors.ts';
import { loadConfig } from '../../lib/config.ts';
import { derniereAnneeTarifable } from '../../pipelines/bareme/reference.ts';

export function register(program: Command) {
  program
    .command('demo')
    .description(
      'démonstration de bout en bout sur une région générée : DSN, référentiel, sinistres, campagne calculée et validée, notifications, statistiques, rapport (relançable : rien n’est recalculé ni renvoyé)',
    )
    .option('--companies <n>', "nombre d'entreprises de la région", '200')
    .option('--seed <s>', 'graine de la région', '1')
    .option('--annee <N>', `année de tarification (par défaut la dernière que le barème livré tarifie : ${derniereAnneeTarifable()} ; la région ne reçoit que des codes des CTN aux coûts moyens complets)`)
    .action(
      action(async (opts: { companies: string; seed: string; annee?: string }) => {
        const entreprises = Number(opts.companies);
        const graine = Number(opts.seed);
        if (!Number.isInteger(entreprises) || entreprises < 5) throw new UserError(`--companies ${opts.companies} : entier ≥ 5 attendu`, 2);
        if (!Number.isInteger(graine) || graine < 0) throw new UserError(`--seed ${opts.seed} : entier positif attendu`, 2);
        const annee = opts.annee === undefined ? derniereAnneeTarifable() : parseAnnee(opts.annee);
        const t0 = Date.now();
        const config = loadConfig();
        const log = (l: string) => process.stdout.write(`${l}\n`);
        log(`atmp demo : base ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embarquée PGlite (${config.dataDir})`}, sorties dans ${config.outDir}`);
        const sorties = await withDb((db) => demo(db, { entreprises, graine, annee, journal: log }));
        log(`\nTerminé en ${Math.round((Date.now() - t0) / 1000)} s. Où tout se trouve :`);
        for (const [quoi, ou] of Object.entries(sorties)) log(`  ${quoi} : ${ou}`);
        log(`  compte d'un établissement : npx atmp etablissement SIRET ; résumé de campagne : npx atmp campagne show --annee ${annee}`);
      }),
    );
}

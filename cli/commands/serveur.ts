import type { Command } from 'commander';
import { action } from '../run.ts';
import { openDb } from '../../lib/db.ts';
import { UserError } from '../../lib/errors.ts';
import { creerServeur } from '../../server/app.ts';
import { urlPublique } from '../../pipelines/compte/comptes.ts';
import { creerCourrier } from '../../pipelines/compte/courriel.ts';

export function register(program: Command) {
  program
    .command('serveur')
    .description(
      'le compte AT/MP en ligne des employeurs et les pages des agents (HTML, sans JavaScript) ; une ligne JSON par requête sur la sortie standard ; ' +
        'arrêt propre sur SIGTERM. Sur la base embarquée (sans DATABASE_URL) le serveur est le seul processus : les agents émettent alors les liens depuis leurs pages',
    )
    .option('--port <N>', 'port d’écoute', '8080')
    .option('--hote <ADRESSE>', 'adresse d’écoute (0.0.0.0 : toutes)', '127.0.0.1')
    .action(
      action(async (opts: { port: string; hote: string }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${opts.port} : entier de 0 à 65535 attendu`, 2);
        const db = await openDb();
        const courrier = creerCourrier();
        const app = await creerServeur({ db, journal: { level: process.env.ATMP_LOG_LEVEL ?? 'info' }, urlPublique: urlPublique(), courrier, secret: process.env.ATMP_COOKIE_SECRET });
        let arret: Promise<void> | undefined;
        const arreter = (signal: string) => {
          arret ??= (async () => {
            app.log.info({ signal }, 'arrêt demandé : fin des requêtes en cours');
            await app.close();
            await courrier.fermer();
            await db.close();
            app.log.info('arrêté');
          })();
          return arret;
        };
        try {
          const adresse = await app.listen({ port, host: opts.hote });
          process.stderr.write(`atmp serveur : ${adresse} (liens envoyés : ${courrier.description} ; base ${db.backend})\n`);
        } catch (e) {
          await db.close();
          throw new UserError(`écoute impossible sur ${opts.hote}:${port} : ${(e as Error).message}`);
        }
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', () => void arreter('SIGTERM').then(resolve));
          process.once('SIGINT', () => void arreter('SIGINT').then(resolve));
        });
        return 0;
      }),
    );
}

import type { Command } from 'commander';
import { action, withDb } from '../run.ts';
import { loadConfig } from '../../lib/config.ts';

export function register(program: Command) {
  const db = program.command('db').description('base de données (opérateurs) : les commandes appliquent déjà les migrations elles-mêmes');
  db.command('migrate')
    .description('applique les migrations en attente et charge les barèmes livrés')
    .action(
      action(async () => {
        const config = loadConfig();
        await withDb(async (d) => {
          const rows = await d.knex('schema_migration').orderBy('nom').select('nom');
          process.stdout.write(
            `${d.backend === 'pglite' ? `PGlite (${config.dataDir})` : 'PostgreSQL (DATABASE_URL)'} : ${rows.length} migrations appliquées, dernière ${rows.at(-1)?.nom}\n`,
          );
        });
      }),
    );
}

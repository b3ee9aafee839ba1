/** The `atmp` command line: a thin layer over pipelines/, no logic of its own. */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { register as decision } from './commands/decision.ts';
import { register as rectification } from './commands/rectification.ts';
import { register as bareme } from './commands/bareme.ts';
import { register as db } from './commands/db.ts';
import { register as simulate } from './commands/simulate.ts';
import { register as campagne } from './commands/campagne.ts';
import { register as ingestReferentiel } from './commands/ingest-referentiel.ts';
import { register as schedule } from './commands/schedule.ts';
import { register as ingestDsn } from './commands/ingest-dsn.ts';
import { register as etablissement } from './commands/etablissement.ts';
import { register as generate } from './commands/generate.ts';
import { register as stats } from './commands/stats.ts';
import { register as notifications } from './commands/notifications.ts';
import { register as demoCmd } from './commands/demo.ts';
import { register as serveur } from './commands/serveur.ts';
import { register as compte } from './commands/compte.ts';

export function buildProgram(): Command {
  const program = new Command('atmp')
    .description('Campagne annuelle de tarification AT/MP : DSN, sinistres, calcul des taux, notifications, statistiques')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  for (const reg of [demoCmd, bareme, generate, ingestDsn, ingestReferentiel, etablissement, simulate, campagne, notifications, compte, serveur, stats, schedule, db]) reg(program);
  program.exitOverride();
  // decisions after the campaign (docs/decisions.md)
  for (const reg of [decision, rectification]) reg(program);
  return program;
}

export async function main(argv: string[]) {
  // the configuration is validated once, at start: a bad value is one line and exit code 78, whatever the command
  try {
    loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`atmp: ${e.message}\n`);
    process.exitCode = e.exitCode;
    return;
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return;
    process.exitCode = err.exitCode === 1 ? 2 : (err.exitCode ?? 2);
  }
}

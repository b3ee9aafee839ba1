/** The `atmp` command line: a thin layer over pipelines/, no logic of its own. */
import { Command } from 'commander';
import { register as bareme } from './commands/bareme.ts';
import { register as db } from './commands/db.ts';
import { register as simulate } from './commands/simulate.ts';

export function buildProgram(): Command {
  const program = new Command('atmp')
    .description('Campagne annuelle de tarification AT/MP : DSN, sinistres, calcul des taux, notifications, statistiques')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  for (const reg of [bareme, simulate, db]) reg(program);
  program.exitOverride();
  return program;
}

export async function main(argv: string[]) {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return;
    process.exitCode = err.exitCode === 1 ? 2 : (err.exitCode ?? 2);
  }
}

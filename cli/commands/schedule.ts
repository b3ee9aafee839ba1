import type { Command } from 'commander';
import { action } from '../run.ts';
import { demarrerPlanificateur, lirePlanification } from '../../jobs/schedule.ts';

const EXEMPLE = `
Fichier de planification (YAML ou JSON) :
  fuseau: Europe/Paris
  jobs:
    - nom: depot-nocturne          # ingère chaque nuit les .dsn et .csv déposés (rangés ensuite dans traites/ ou rejetes/)
      type: ingestion
      dossier: /srv/atmp/depot
      cron: "0 2 * * *"
    - nom: campagne-annuelle       # calcule la campagne de l'année suivante le 1er décembre à 6 h
      type: campagne
      annee: suivante
      cron: "0 6 1 12 *"
Chaque exécution passe par le registre job_run et son verrou : deux démons ne lancent jamais deux fois le même
job pour la même période. Journal : une ligne JSON par événement sur la sortie standard. SIGTERM : arrêt propre.`;

export function register(program: Command) {
  program
    .command('schedule')
    .description('démon de planification (node-cron) : exécute les jobs du fichier de planification')
    .argument('<fichier>', 'planification YAML ou JSON')
    .option('--check', 'valide le fichier et affiche les prochaines exécutions, sans démarrer')
    .addHelpText('after', EXEMPLE)
    .action(
      action(async (fichier: string, opts: { check?: boolean }) => {
        const plan = lirePlanification(fichier);
        if (opts.check) {
          process.stdout.write(`${fichier}: ${plan.jobs.length} jobs valides (fuseau ${plan.fuseau})\n`);
          for (const j of plan.jobs) process.stdout.write(`  ${j.nom} (${j.type}) : ${j.cron}\n`);
          return;
        }
        const { arret } = demarrerPlanificateur(plan);
        await arret;
      }),
    );
}

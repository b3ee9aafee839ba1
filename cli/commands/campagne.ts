import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { lancerCampagne, resumeCampagne, validerCampagne, type Resume } from '../../pipelines/campagne/run.ts';
import { progress } from '../../lib/progress.ts';
import { UserError } from '../../lib/errors.ts';
import { ecrireRapport } from '../../pipelines/rapport/rapport.ts';
import { loadConfig } from '../../lib/config.ts';

function afficher(r: Resume & { deja_calculee?: boolean; reprise?: boolean }) {
  const o = r as Record<string, any>;
  const lignes = [
    `Campagne ${r.annee} : ${r.statut}${o.provisoire ? ` PROVISOIRE (barème ${o.bareme_annee}, en attendant l'arrêté ${r.annee} ; ni validable ni notifiable)` : ''}${o.deja_calculee ? ' (déjà calculée ; --recalculer pour recommencer)' : ''}${o.reprise ? ' (reprise après interruption)' : ''}`,
    ...(o.baremes_ecartes?.length ? [`  barèmes plus récents écartés : ${o.baremes_ecartes.join(' ; ')}`] : []),
    `  sections tarifées : ${o.calculees} sur ${o.sections} (${o.entreprises} entreprises) ; non notifiées (D.242-6-22) : ${o.non_notifiees}`,
    `  par mode : ${Object.entries(o.par_mode ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || '—'}`,
    `  par CTN : ${Object.entries(o.par_ctn ?? {}).sort().map(([k, v]) => `${k} ${v}`).join(', ') || '—'}`,
    `  écrêtements : ${o.ecretements?.hausse ?? 0} à la hausse, ${o.ecretements?.baisse ?? 0} à la baisse`,
    `  taux notifiés : min ${o.taux?.min ?? '—'}, max ${o.taux?.max ?? '—'}, moyen ${o.taux?.moyen ?? '—'}, moyen pondéré ${o.taux?.moyen_pondere ?? '—'}`,
    `  répartition : ${(o.distribution_taux ?? []).map((d: any) => `${d.de}${d.de === 10 ? '+' : `–${d.a}`} % : ${d.n}`).join(' ; ') || '—'}`,
    `  variation / taux précédent : ${o.variation?.hausse ?? 0} en hausse, ${o.variation?.baisse ?? 0} en baisse, ${o.variation?.stable ?? 0} stables (moyenne ${o.variation?.moyenne_points ?? '—'} point)`,
    `  erreurs : ${o.erreurs}`,
    ...(o.liste_erreurs ?? []).map((e: any) => `    ${e.siret} ${e.code_risque} : ${e.erreur}`),
  ];
  process.stdout.write(lignes.join('\n') + '\n');
}

export function register(program: Command) {
  const campagne = program.command('campagne').description('campagne annuelle de tarification : calcul, contrôle, validation');

  campagne
    .command('run')
    .description("calcule le taux de chaque établissement (et section) pour l'année N ; reprend là où un calcul interrompu s'est arrêté ; refuse un second calcul simultané")
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--dry-run', 'calcule et résume sans rien enregistrer')
    .option('--recalculer', 'recommence une campagne déjà calculée (non validée)')
    .option('--provisoire', "avant l'arrêté de l'année N : taux provisoires sur le dernier barème publié qui tarifie (ni validables ni notifiables ; la campagne réelle les remplace)")
    .option('--lot <n>', 'entreprises par lot', '500')
    .option('--json', 'résumé en JSON')
    .action(
      action(async (opts: { annee: string; dryRun?: boolean; recalculer?: boolean; provisoire?: boolean; lot: string; json?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        const lot = Number(opts.lot);
        if (!Number.isInteger(lot) || lot < 1) throw new UserError(`--lot ${opts.lot} : entier positif attendu`, 2);
        const bar = progress(`campagne ${annee}`);
        const r = await withDb((db) => lancerCampagne(db, { annee, dryRun: opts.dryRun, recalculer: opts.recalculer, provisoire: opts.provisoire, lot, progression: (f, t) => bar.update(f, t) }));
        bar.stop();
        if (opts.json) printJson(r);
        else afficher(r);
      }),
    );

  campagne
    .command('show')
    .description("résumé d'une campagne et liste de ses erreurs")
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--json', 'sortie JSON')
    .action(
      action(async (opts: { annee: string; json?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        const r = await withDb(async (db) => {
          if (!(await db.knex('campagne').where({ annee }).first())) throw new UserError(`aucune campagne ${annee} : atmp campagne run --annee ${annee}`);
          return resumeCampagne(db.knex, annee);
        });
        if (opts.json) printJson(r);
        else afficher(r);
      }),
    );

  campagne
    .command('valider')
    .description('valide une campagne calculée après contrôle de son résumé : ses taux sont figés')
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--agent <nom>', 'agent qui valide', userInfo().username)
    .action(
      action(async (opts: { annee: string; agent: string }) => {
        const annee = parseAnnee(opts.annee);
        const r = await withDb((db) => validerCampagne(db, annee, opts.agent));
        process.stdout.write(`campagne ${annee} validée par ${opts.agent} : ${r.calculees} taux figés, ${r.erreurs} erreurs\n`);
      }),
    );

  campagne
    .command('rapport')
    .description("rapport de campagne pour le responsable de la tarification : modes, distribution des taux, variations, écrêtements, plus fortes variations, sinistralité par CTN, qualité des DSN (HTML autonome, graphiques SVG)")
    .requiredOption('--annee <N>', 'année de tarification')
    .action(
      action(async (opts: { annee: string }) => {
        const annee = parseAnnee(opts.annee);
        const r = await withDb((db) => ecrireRapport(db.knex, annee, loadConfig().outDir));
        process.stdout.write(`rapport de la campagne ${annee} : ${r.html}\n`);
      }),
    );
}

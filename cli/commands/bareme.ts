import type { Command } from 'commander';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { rapportBareme } from '../../pipelines/bareme/show.ts';
import { importerBareme, type ImportType } from '../../pipelines/bareme/import.ts';
import { arreteDe } from '../../pipelines/bareme/reference.ts';
import { UserError } from '../../lib/errors.ts';

export function register(program: Command) {
  const bareme = program.command('bareme').description('barèmes datés : taux collectifs, coûts moyens, majorations M1–M4');

  bareme
    .command('show')
    .description("ce qui est chargé pour l'année de tarification N, et ce qui manque")
    .argument('<annee>', 'année de tarification N')
    .option('--json', 'sortie JSON (toutes les valeurs)')
    .action(
      action(async (anneeArg: string, opts: { json?: boolean }) => {
        const annee = parseAnnee(anneeArg);
        const r = await withDb((db) => rapportBareme(db.knex, annee));
        if (!r.taux_collectifs.nombre && !r.majorations && !Object.keys(r.couts_moyens).length) {
          throw new UserError(`aucun barème ${annee} chargé : les taux collectifs ${annee} (annexe 1 de l'${arreteDe(annee)}) ne sont pas chargés ; importez l'annexe avec « atmp bareme import --annee ${annee} FICHIER »`);
        }
        if (opts.json) printJson(r);
        else {
          const out: string[] = [`Barème ${annee}${r.complet ? ' (complet)' : ''}`];
          if (r.majorations) {
            const m = r.majorations;
            out.push(`  majorations : M1 ${m.m1}, M2 ${m.m2} %, M3 ${m.m3}, M4 ${m.m4} ; taux net moyen national ${m.tnmn ?? 'inconnu'} (du ${m.date_debut} au ${m.date_fin})${m.confiance ? ` [${m.confiance}]` : ''}`, `    source : ${m.source}`);
          }
          const marque = (c: string | null) => (c ? ` [${c}]` : '');
          out.push(`  taux collectifs : ${r.taux_collectifs.nombre} codes risque${marque(r.taux_collectifs.confiance)}${r.taux_collectifs.source ? `\n    source : ${r.taux_collectifs.source}` : ''}`);
          const am = r.taux_collectifs_alsace_moselle;
          out.push(`  taux collectifs Alsace-Moselle : ${am.nombre} codes risque${marque(am.confiance)}${am.source ? `\n    source : ${am.source}` : ''}`);
          const complets = Object.keys(r.couts_moyens).filter((c) => !r.couts_moyens_manquants[c]);
          const marques = (c: string) => [...new Set(Object.values(r.couts_moyens_confiance[c] ?? {}))].join('/');
          out.push(`  coûts moyens : CTN ${complets.map((c) => `${c}${marques(c) ? ` [${marques(c)}]` : ''}`).join(', ') || 'aucun'} complets`);
          if (r.conflits.length) out.push('  conflit entre sources :', ...r.conflits.map((c) => `    - ${c}`));
          if (r.manquants.length) out.push('  manquant :', ...r.manquants.map((m) => `    - ${m}`));
          out.push('  confiance : C texte légal, S2 deux sources secondaires concordantes, S1 une seule source secondaire');
          process.stdout.write(out.join('\n') + '\n');
        }
        if (!r.taux_collectifs.nombre) {
          throw new UserError(`les taux collectifs ${annee} ne sont pas chargés (annexe 1 de l'${arreteDe(annee)}) ; importez-les avec « atmp bareme import --annee ${annee} FICHIER »`);
        }
      }),
    );

  bareme
    .command('import')
    .description(
      "charge une annexe officielle (CSV) pour l'année N après validation complète ; au moindre défaut, chaque erreur est signalée fichier:ligne et rien n'est chargé",
    )
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--type <type>', 'taux_collectifs, couts_moyens ou majorations (détecté sur l’en-tête sinon)')
    .option('--source <texte>', "référence de l'arrêté (ex. « arrêté du 30 décembre 2025, JO du 31 décembre 2025, annexe 2 »)")
    .argument('<fichier>', 'CSV ; ou , (en-têtes : code_risque;taux_net[;ctn;libelle;collectif_quel_que_soit_effectif;zone] | ctn;categorie;montant | m1;m2;m3;m4[;tnmn;date_debut;date_fin])')
    .action(
      action(async (fichier: string, opts: { annee: string; type?: string; source?: string }) => {
        const annee = parseAnnee(opts.annee);
        if (opts.type && !['taux_collectifs', 'couts_moyens', 'majorations'].includes(opts.type)) {
          throw new UserError(`--type ${opts.type} inconnu (taux_collectifs, couts_moyens, majorations)`, 2);
        }
        const r = await withDb((db) => importerBareme(db, { annee, fichier, type: opts.type as ImportType | undefined, source: opts.source }));
        process.stdout.write(`${fichier}: ${r.lignes} lignes de ${r.type} ${annee} chargées (import n° ${r.importId})\n`);
      }),
    );
}

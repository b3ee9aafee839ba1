import type { Command } from 'commander';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { compteAgent, compteEmployeur, lienHorsLigne, LIEN_VALIDITE_MINUTES } from '../../pipelines/compte/comptes.ts';
import { mettreADisposition } from '../../pipelines/compte/registre.ts';

export function register(program: Command) {
  const compte = program.command('compte').description('comptes AT/MP en ligne : liens de connexion, comptes agents, mise à disposition des notifications');

  compte
    .command('lien')
    .description(`imprime un lien de connexion à usage unique (valable ${LIEN_VALIDITE_MINUTES} minutes) au compte du SIREN destinataire des notifications (ATMP_URL_PUBLIQUE, défaut http://localhost:8080)`)
    .argument('<SIREN>', 'entreprise, ou tête de groupe ayant mandat de recevoir les notifications de ses entreprises')
    .action(
      action(async (siren: string) => {
        const lien = await withDb(async (db) => {
          const c = await compteEmployeur(db.knex, siren.replace(/\s/g, ''));
          return lienHorsLigne(db.knex, c, { chemin: 'compte lien', action: 'lien de connexion émis en ligne de commande', objet: `SIREN ${c.siren}` });
        });
        process.stdout.write(lien + '\n');
      }),
    );

  compte
    .command('agent')
    .description('crée (ou retrouve) le compte agent de cette adresse et imprime un lien de connexion à usage unique')
    .argument('<EMAIL>', 'adresse de l’agent')
    .action(
      action(async (email: string) => {
        const lien = await withDb(async (db) => {
          const c = await compteAgent(db.knex, email);
          return lienHorsLigne(db.knex, c, { chemin: 'compte agent', action: 'compte agent créé ou retrouvé, lien émis', objet: c.email });
        });
        process.stdout.write(lien + '\n');
      }),
    );

  compte
    .command('publier')
    .description('met les notifications dématérialisées de l’année à disposition dans les comptes, sans courriel (l’avis « votre notification est disponible » est le courriel de « atmp notifications send », qui met aussi à disposition) ; relançable')
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--json', 'résultat en JSON')
    .action(
      action(async (opts: { annee: string; json?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        const r = await withDb((db) => mettreADisposition(db.knex, annee, new Date()));
        if (opts.json) {
          printJson(r);
          return;
        }
        process.stdout.write(
          [
            `Notifications ${annee} mises à disposition : ${r.mises_a_disposition} (déjà : ${r.deja})`,
            ...(r.sans_compte.length ? [`  sans compte possible (lot papier) : ${r.sans_compte.length}`, ...r.sans_compte.map((s) => `    ${s.siren} : ${s.raison}`)] : []),
          ].join('\n') + '\n',
        );
      }),
    );
}

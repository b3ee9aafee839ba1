import type { Command } from 'commander';
import { refuserNotificationsProvisoires } from '../../pipelines/campagne/run.ts';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { envoyerNotifications, statutNotifications, type Statut } from '../../pipelines/notifications/pipeline.ts';
import { progress } from '../../lib/progress.ts';
import { UserError } from '../../lib/errors.ts';
import { registre, type LigneRegistre } from '../../pipelines/compte/registre.ts';

function afficher(s: Statut & { rendues_ce_passage?: number; envoyees_ce_passage?: number; transport?: string }) {
  const lignes = [
    `Notifications ${s.annee} (campagne ${s.statut_campagne}) : ${s.destinataires} destinataires, ${s.sections ?? 0} sections d'établissement`,
    ...(s.transport !== undefined ? [`  ce passage : ${s.rendues_ce_passage} rendues, ${s.envoyees_ce_passage} envoyées (${s.transport})`] : []),
    `  envoyées : ${s.envoyees} (dont réputées notifiées : ${s.reputees_notifiees})`,
    `  en attente d'envoi : ${s.en_attente}`,
    `  lot d'impression : ${s.papier} sans notification dématérialisée, ${s.echecs} adresses refusées`,
    `  à vérifier (envoi interrompu) : ${s.a_verifier}`,
    ...s.problemes.map((p) => `    ${p.siren} ${p.raison_sociale} [${p.statut}, ${p.tentatives} tentative(s)] ${p.erreur ?? ''} ${p.statut === 'envoi_en_cours' ? `Message-ID ${p.message_id}` : ''}`.trimEnd()),
  ];
  if (s.a_verifier) {
    lignes.push(
      `  Un envoi SMTP interrompu ne peut pas être rejoué sans risque de doublon : vérifiez le Message-ID dans les journaux du serveur SMTP,`,
      `  puis « atmp notifications send --annee ${s.annee} --incertains confirmer » (reçu) ou « --incertains renvoyer » (non reçu, même Message-ID).`,
    );
  }
  process.stdout.write(lignes.join('\n') + '\n');
}

/** The electronic notification ledger (compte en ligne): counts, and with --dates one line per recipient. */
function afficherCompte(l: LigneRegistre[], dates: boolean) {
  const n = (e: string) => l.filter((x) => x.etat.etat === e).length;
  const lignes = [`  compte en ligne : ${l.length} mises à disposition, ${l.filter((x) => x.premiere_consultation).length} consultées, ${n('notifiee')} notifiées à la consultation, ${n('reputee_notifiee')} réputées notifiées (15 jours), ${n('en_attente')} en attente`];
  if (dates) {
    for (const x of l) {
      const notif = x.etat.notifieeLe ? `notifiée le ${x.etat.notifieeLe}${x.etat.par === 'quinze_jours' ? ' (réputée, 15 jours)' : ''}, recours jusqu’au ${x.etat.recoursJusquAu}` : `non consultée, réputée notifiée le ${x.etat.auPlusTardLe} au plus tard`;
      lignes.push(`    ${x.destinataire_siren} ${x.raison_sociale} : mise à disposition le ${x.mise_a_disposition}, consultée ${x.premiere_consultation ? `le ${x.premiere_consultation}` : 'jamais'} ; ${notif}`);
    }
  }
  process.stdout.write(lignes.join('\n') + '\n');
}

export function register(program: Command) {
  const notifications = program.command('notifications').description('notifications groupées des taux d’une campagne validée : PDF, envoi par courriel, lot d’impression');

  notifications
    .command('send')
    .description('rend les PDF manquants et envoie les notifications non envoyées (SMTP si ATMP_SMTP_URL, sinon fichiers .eml dans <ATMP_OUT_DIR>/outbox/<année>/) ; relançable à tout moment, jamais deux envois')
    .requiredOption('--annee <N>', 'année de tarification (campagne validée)')
    .option('--incertains <action>', "envois interrompus (état « envoi_en_cours ») : « confirmer » (reçus) ou « renvoyer » (même Message-ID)")
    .option('--sans-envoi', 'rend les PDF sans rien envoyer')
    .option('--json', 'résultat en JSON')
    .action(
      action(async (opts: { annee: string; incertains?: string; sansEnvoi?: boolean; json?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        if (opts.incertains && opts.incertains !== 'confirmer' && opts.incertains !== 'renvoyer') throw new UserError(`--incertains ${opts.incertains} : « confirmer » ou « renvoyer » attendu`, 2);
        const rendu = progress(`notifications ${annee} : rendu`);
        const envoi = progress(`notifications ${annee} : envoi`);
        const r = await withDb(async (db) => {
          await refuserNotificationsProvisoires(db.knex, annee); // a provisional campaign is never notified
          return envoyerNotifications(db, {
            annee, incertains: opts.incertains as 'confirmer' | 'renvoyer' | undefined, sansEnvoi: opts.sansEnvoi,
            progression: (etape, f, t) => (etape === 'rendu' ? rendu : envoi).update(f, t),
          });
        });
        rendu.stop();
        envoi.stop();
        if (opts.json) printJson(r);
        else afficher(r);
        return r.a_verifier ? 1 : 0;
      }),
    );

  notifications
    .command('status')
    .description('compte des notifications par état et liste des échecs')
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--dates', 'par destinataire du compte en ligne : mise à disposition, première consultation, date de notification, fin du délai de recours')
    .option('--json', 'sortie JSON')
    .action(
      action(async (opts: { annee: string; dates?: boolean; json?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        const [s, compte] = await withDb(async (db) => [await statutNotifications(db.knex, annee), await registre(db.knex, new Date(), { annee })] as const);
        if (opts.json) printJson({ ...s, compte_en_ligne: compte.map((l) => ({ siren: l.destinataire_siren, mise_a_disposition: l.mise_a_disposition, premiere_consultation: l.premiere_consultation, etat: l.etat.etat, notifiee_le: l.etat.notifieeLe, au_plus_tard_le: l.etat.auPlusTardLe, recours_jusqu_au: l.etat.recoursJusquAu })) });
        else {
          afficher(s);
          afficherCompte(compte, !!opts.dates);
        }
      }),
    );
}

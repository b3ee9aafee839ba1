import type { Command } from 'commander';
import { refuserNotificationsProvisoires } from '../../pipelines/campagne/run.ts';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { envoyerNotifications, lireIncertaines, statutNotifications, type ResultatEnvoiNotifications, type Statut } from '../../pipelines/notifications/pipeline.ts';
import { progress } from '../../lib/progress.ts';
import { UserError } from '../../lib/errors.ts';
import { registre, type LigneRegistre } from '../../pipelines/compte/registre.ts';

function afficher(s: Statut & Partial<ResultatEnvoiNotifications>) {
  const lignes = [
    `Notifications ${s.annee} (campagne ${s.statut_campagne}) : ${s.destinataires} destinataires, ${s.sections ?? 0} sections d'établissement`,
    ...(s.transport !== undefined ? [`  ce passage : ${s.rendues_ce_passage} rendues, ${s.envoyees_ce_passage} envoyées, ${s.non_envoyees_ce_passage} non envoyées (${s.transport})`] : []),
    ...(s.incertains_regles ?? []).map((r) => `  envoi à vérifier réglé : ${r.siren} ${r.message_id} → ${r.action === 'confirmer' ? 'confirmé reçu' : 'remis en envoi'}`),
    `  envoyées : ${s.envoyees} (dont réputées notifiées : ${s.reputees_notifiees})`,
    `  en attente d'envoi : ${s.en_attente}${s.a_rendre ? ` (et ${s.a_rendre} à rendre)` : ''}${s.en_cours ? ` ; en cours dans un autre processus : ${s.en_cours}` : ''}`,
    `  lot d'impression : ${s.papier} sans notification dématérialisée, ${s.echecs} adresses refusées`,
    `  à vérifier (envoi interrompu) : ${s.a_verifier}`,
    ...s.problemes.map((p) => `    ${p.siren} ${p.raison_sociale} [${p.statut}, ${p.tentatives} tentative(s)] ${p.erreur ?? ''} ${p.statut === 'envoi_en_cours' ? `Message-ID ${p.message_id}` : ''}`.trimEnd()),
  ];
  if (s.a_verifier) {
    lignes.push(
      `  Un envoi SMTP interrompu ne peut pas être rejoué sans risque de doublon : vérifiez chaque Message-ID dans les journaux du serveur SMTP,`,
      `  puis « atmp notifications send --annee ${s.annee} --incertains confirmer --siren <SIREN> » (reçu) ou « --incertains renvoyer --siren <SIREN> »`,
      `  (non reçu ; renvoyé avec le même Message-ID) ; --message-id <id> au lieu de --siren, ou --tous pour tous à la fois.`,
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
    .description('rend les PDF manquants et envoie les notifications non envoyées (SMTP si ATMP_SMTP_URL, sinon fichiers .eml dans <ATMP_OUT_DIR>/outbox/<année>/) ; relançable à tout moment, en plusieurs processus à la fois, jamais deux envois')
    .requiredOption('--annee <N>', 'année de tarification (campagne validée)')
    .option('--incertains <action>', "envois à vérifier (interrompus après la remise du message au serveur) : « confirmer » (reçus) ou « renvoyer » (même Message-ID) ; avec --siren, --message-id ou --tous")
    .option('--siren <SIREN...>', 'avec --incertains : le ou les destinataires concernés')
    .option('--message-id <ID...>', 'avec --incertains : le ou les Message-ID concernés')
    .option('--tous', 'avec --incertains : tous les envois à vérifier')
    .option('--sans-envoi', 'rend les PDF sans rien envoyer')
    .option('--json', 'résultat en JSON')
    .action(
      action(async (opts: { annee: string; incertains?: string; siren?: string[]; messageId?: string[]; tous?: boolean; sansEnvoi?: boolean; json?: boolean }) => {
        const annee = parseAnnee(opts.annee);
        if (opts.incertains && opts.incertains !== 'confirmer' && opts.incertains !== 'renvoyer') throw new UserError(`--incertains ${opts.incertains} : « confirmer » ou « renvoyer » attendu`, 2);
        const choix = !!(opts.siren?.length || opts.messageId?.length);
        if ((choix || opts.tous) && !opts.incertains) throw new UserError('--siren, --message-id et --tous ne s’emploient qu’avec --incertains confirmer|renvoyer', 2);
        if (choix && opts.tous) throw new UserError('--tous ou une sélection (--siren, --message-id), pas les deux', 2);
        for (const s of opts.siren ?? []) if (!/^\d{9}$/.test(s)) throw new UserError(`--siren ${s} : 9 chiffres attendus`, 2);
        if (opts.incertains && !choix && !opts.tous) {
          // the list first: the agent settles what they checked, one by one or all at once
          const liste = await withDb((db) => lireIncertaines(db.knex, annee));
          throw new UserError(
            liste.length
              ? `--incertains ${opts.incertains} : précisez --siren, --message-id ou --tous. Envois à vérifier (${liste.length}) :\n${liste.map((n) => `  ${n.siren} ${n.raison_sociale} <${n.email ?? ''}> Message-ID ${n.message_id} (transaction SMTP commencée le ${new Date(n.smtp_commence_le).toISOString()})`).join('\n')}`
              : `--incertains ${opts.incertains} : aucun envoi à vérifier pour ${annee}`,
            2,
          );
        }
        const rendu = progress(`notifications ${annee} : rendu`);
        const envoi = progress(`notifications ${annee} : envoi`);
        const r = await withDb(async (db) => {
          await refuserNotificationsProvisoires(db.knex, annee); // a provisional campaign is never notified
          return envoyerNotifications(db, {
            annee, incertains: opts.incertains as 'confirmer' | 'renvoyer' | undefined, sansEnvoi: opts.sansEnvoi,
            selection: choix ? { sirens: opts.siren, messageIds: opts.messageId } : undefined,
            progression: (etape, f, t) => (etape === 'rendu' ? rendu : envoi).update(f, t),
          });
        });
        rendu.stop();
        envoi.stop();
        if (opts.json) printJson(r);
        else afficher(r);
        // uncertain sends need an agent; messages left unsent by this run (SMTP unreachable, 4xx to the last
        // attempt) call for a later run: EX_TEMPFAIL
        if (r.a_verifier) return 1;
        if (r.non_envoyees_ce_passage) {
          process.stderr.write(`${r.non_envoyees_ce_passage} notification(s) non envoyée(s) par ce passage (${r.en_attente} en attente d'envoi) : relancez « atmp notifications send --annee ${annee} » plus tard\n`);
          return 75;
        }
        return 0;
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

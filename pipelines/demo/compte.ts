/**
 * The demo's last step: the notifications are made available in the employers' online accounts (notices in the
 * .eml outbox without SMTP settings), and a sign-in link is issued for one headquarters, preferably the head of a
 * group holding a mandate, so that the demo ends with the command that serves the account and the link to open.
 */
import type { Db } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';
import { join } from 'node:path';
import { compteEmployeur, lienHorsLigne, LIEN_VALIDITE_MINUTES } from '../compte/comptes.ts';
import { mettreADisposition } from '../compte/registre.ts';

export async function ouvrirLesComptes(db: Db, annee: number, journal: (l: string) => void): Promise<Record<string, string>> {
  // the notices went out with the notifications (step 4), which made them available; this catches any left
  const r = await mettreADisposition(db.knex, annee, new Date());
  journal(`7. compte en ligne : ${r.mises_a_disposition + r.deja} notification(s) à disposition, ${r.sans_compte.length} sans compte (papier)`);
  const siege = await db.knex('notification_compte as nc')
    .leftJoin('groupe as g', function () {
      this.on('g.siren_tete', '=', 'nc.destinataire_siren').andOn(db.knex.raw('g.notification_groupee'));
    })
    .where('nc.annee', annee)
    .orderByRaw('(g.groupe_id is null), nc.destinataire_siren')
    .first('nc.destinataire_siren as siren', 'g.nom as groupe');
  if (!siege) return {};
  const c = await compteEmployeur(db.knex, siege.siren);
  const lien = await lienHorsLigne(db.knex, c, { chemin: 'demo', action: 'lien de connexion émis par la démonstration', objet: `SIREN ${c.siren}` });
  return {
    'avis « votre notification est disponible » (.eml)': join(loadConfig().outDir, 'outbox', String(annee)),
    'compte AT/MP en ligne : lancer le serveur': 'npx atmp serveur --port 8080',
    [`lien de connexion de ${c.raison_sociale} (SIREN ${c.siren}${siege.groupe ? `, tête du ${siege.groupe}` : ''} ; ${LIEN_VALIDITE_MINUTES} minutes, une fois ; un autre : npx atmp compte lien ${c.siren})`]: lien,
  };
}

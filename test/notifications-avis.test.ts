/**
 * Issue 18 §4 in the outbox: a recipient with an online account receives from `notifications send` the notice
 * "votre notification de taux AT/MP N est disponible" (link, no personal data, no PDF unless
 * ATMP_NOTIFICATION_PIECE_JOINTE=oui), the notification is made available in its account by that send, and neither
 * `compte publier` nor a second send sends it again. Paper recipients are listed in the print batch's index with
 * the registered-mail mark (mixte or individuel rate). The letter gives the notification-date rule, not a date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, EMAIL_GROUPE, preparerCampagne, TETE } from './fixtures/notifications/campagne.ts';
import { envoyerNotifications, lireDestinataires } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import type { Expediteur, Message } from '../pipelines/notifications/transport.ts';
import { mettreADisposition, registre } from '../pipelines/compte/registre.ts';
import { notificationDuCompte } from '../pipelines/compte/donnees.ts';
import { mettreEnFile } from '../pipelines/notifications/lettres.ts';
import { statutNotifications } from '../pipelines/notifications/pipeline.ts';
import { definitionNotification } from '../templates/notification.ts';
import { joursReputeeNotifiee, moisRecours } from '../rules/delais.ts';
import { ConfigError } from '../lib/config.ts';

let db: TestDb;
let outDir: string;
const recus: Message[] = [];
const expediteur: Expediteur = {
  description: 'test', parallelisme: 1,
  envoyer: async (m) => {
    recus.push(m);
    return { ok: true, reponse: '250 ok' };
  },
  fermer: async () => {},
};
const config = (env: NodeJS.ProcessEnv = {}) => ({ ...notificationsConfig({ ATMP_URL_PUBLIQUE: 'https://compte.example.fr/', ...env }), workers: 1 });

beforeAll(async () => {
  db = await testDb();
  await preparerCampagne(db);
  outDir = tempDir('atmp-avis-out-');
}, 240_000);
afterAll(async () => db?.drop());

describe('the notice of availability', () => {
  it('is the e-mail to each account holder: link, no name, no rate, no PDF; the send makes the notification available', async () => {
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(), expediteur });
    expect(r).toMatchObject({ envoyees_ce_passage: 2, avis: 2, papier: 1 });
    expect(recus.map((m) => m.a).sort()).toEqual(['paie@acierie.example.fr', EMAIL_GROUPE].sort());
    const noms = await db.knex('notification').pluck('raison_sociale');
    const sirets = await db.knex('campagne_taux').where({ annee: ANNEE }).distinct().pluck('siret');
    for (const m of recus) {
      expect(m.sujet).toContain(`votre notification de taux AT/MP ${ANNEE} est disponible`);
      expect(m.texte).toContain(`https://compte.example.fr/notifications/${ANNEE}`);
      expect(m.html).toContain(`href="https://compte.example.fr/notifications/${ANNEE}"`);
      expect(m.texte).toContain(`au plus tard ${joursReputeeNotifiee(ANNEE).valeur} jours après sa mise à disposition`);
      expect(m.pdf).toBeUndefined();
      const tout = `${m.sujet}\n${m.texte}\n${m.html}`;
      expect(tout).not.toMatch(/%/);
      for (const n of noms) expect(tout).not.toContain(n);
      for (const s of sirets) expect(tout).not.toContain(s);
    }
    const nc = await db.knex('notification_compte').where({ annee: ANNEE }).orderBy('destinataire_siren').select('*');
    expect(nc.map((x) => x.destinataire_siren)).toEqual([TETE, '600000004']);
    expect(nc.every((x) => x.mise_a_disposition_le && x.avis_envoye_le)).toBe(true);
  });

  it('is never sent twice: a second send and `compte publier` send nothing', async () => {
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(), expediteur });
    expect(r.envoyees_ce_passage).toBe(0);
    const p = await mettreADisposition(db.knex, ANNEE, new Date());
    expect(p).toMatchObject({ mises_a_disposition: 0, deja: 2 });
    expect(recus).toHaveLength(2);
  });

  it('carries the letter as a PDF when ATMP_NOTIFICATION_PIECE_JOINTE=oui', async () => {
    await db.knex('notification').where({ annee: ANNEE, statut: 'envoyee' }).update({ statut: 'rendue', envoyee_le: null });
    await db.knex('notification_compte').where({ annee: ANNEE }).update({ avis_envoye_le: null });
    recus.length = 0;
    await envoyerNotifications(db, { annee: ANNEE, outDir, config: config({ ATMP_NOTIFICATION_PIECE_JOINTE: 'oui' }), expediteur });
    expect(recus).toHaveLength(2);
    for (const m of recus) {
      const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: m.siren }).first('pdf_chemin');
      expect(m.pdf && Buffer.compare(m.pdf, readFileSync(n.pdf_chemin))).toBe(0);
      expect(m.texte).toContain('jointe');
      expect(m.sujet).toContain('est disponible');
    }
  });

  it('the setting is validated: oui|non, default non', () => {
    expect(notificationsConfig({}).pieceJointe).toBe(false);
    expect(notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'non' }).pieceJointe).toBe(false);
    expect(notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'OUI' }).pieceJointe).toBe(true);
    expect(() => notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'peut-être' })).toThrow(ConfigError);
    expect(() => notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'peut-être' })).toThrow(/ATMP_NOTIFICATION_PIECE_JOINTE/);
  });
});

describe('paper batch and letter', () => {
  it('the print batch index marks mixte and individuel rates for registered mail; status counts them', async () => {
    const modes = await db.knex('campagne_taux_courant').where({ annee: ANNEE, notifie: true, statut: 'calcule' })
      .whereRaw("substr(siret, 1, 9) = '400000006'").distinct().pluck('mode');
    const recommande = modes.some((m: string) => m === 'mixte' || m === 'individuel');
    const index = readFileSync(join(outDir, 'impression', String(ANNEE), 'index.csv'), 'utf8').trim().split('\n');
    expect(index[0]).toBe('siren;raison_sociale;fichier;envoi;motif');
    expect(index).toHaveLength(2);
    expect(index[1]).toMatch(new RegExp(`^400000006;.*;400000006\\.pdf;${recommande ? 'recommande_ar' : 'lettre_simple'};papier$`));
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(), expediteur });
    expect(r.papier_recommande).toBe(recommande ? 1 : 0);
    // an individuel rate on paper: registered
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: '400000006' }).update({ recommande_ar: !recommande });
    const r2 = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(), expediteur });
    expect(r2.papier_recommande).toBe(recommande ? 0 : 1);
  });

  it('the letter states the rule of the notification date (first consultation, at the latest N days), not a date', async () => {
    const c = await db.knex('campagne').where({ annee: ANNEE }).first('validee_le');
    const [d] = await lireDestinataires(db.knex, ANNEE, config(), new Date(c.validee_le));
    const texte = JSON.stringify(definitionNotification(d.donnees));
    expect(texte).toContain('première consultation dans ce compte');
    expect(texte).toContain(`au plus tard ${joursReputeeNotifiee(ANNEE).valeur} jours après sa mise à disposition`);
    expect(texte).toContain(`Le délai de recours de ${moisRecours(ANNEE).valeur === 2 ? 'deux' : moisRecours(ANNEE).valeur} mois court à compter de cette date`);
  });
});

describe('decision letters share the outbox table', () => {
  it('a queued decision letter for the same year and recipient leaves the campaign views unchanged', async () => {
    const avant = await registre(db.knex, new Date(), { annee: ANNEE });
    const statut = await statutNotifications(db.knex, ANNEE);
    const campagne = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE, lot: 'campagne' }).first('pdf_chemin');
    expect(await mettreEnFile(db.knex, {
      annee: ANNEE, lot: 'decisions:1-1', destinataire_siren: TETE, raison_sociale: 'x', email: EMAIL_GROUPE, dematerialisee: true,
      sirets: ['20000000800017'], sections: 1, chemin: join(outDir, 'lettre.pdf'), pdf: Buffer.from('%PDF-lettre'), domaine: 'example.fr',
    })).toBe(true);
    // queued once
    expect(await mettreEnFile(db.knex, {
      annee: ANNEE, lot: 'decisions:1-1', destinataire_siren: TETE, raison_sociale: 'x', email: EMAIL_GROUPE, dematerialisee: true,
      sirets: ['20000000800017'], sections: 1, chemin: join(outDir, 'lettre.pdf'), pdf: Buffer.from('%PDF-lettre'), domaine: 'example.fr',
    })).toBe(false);
    expect(await registre(db.knex, new Date(), { annee: ANNEE })).toEqual(avant);
    expect(await statutNotifications(db.knex, ANNEE)).toEqual(statut);
    const compte = await db.knex('compte').where({ role: 'employeur', siren: TETE }).first('id');
    expect((await notificationDuCompte(db.knex, compte.id, ANNEE))?.pdf_chemin).toBe(campagne.pdf_chemin);
  });
});

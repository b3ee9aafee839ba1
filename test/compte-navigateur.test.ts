/**
 * The online account in a real browser: Debian's headless Chromium (/usr/bin/chromium, or ATMP_CHROMIUM) driven by
 * playwright-core, against `creerServeur` listening on a real port. It signs in through the link, opens the
 * notification, downloads its PDF and the CSV export, and reads the pages. Skipped, saying so, without Chromium.
 * ATMP_CAPTURES=DIR keeps a screenshot of every page there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, TETE, preparerCampagne } from './fixtures/notifications/campagne.ts';
import { envoyerNotifications } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { creerServeur } from '../server/app.ts';
import { compteAgent, compteEmployeur, emettreJeton, lienConnexion } from '../pipelines/compte/comptes.ts';
import { mettreADisposition } from '../pipelines/compte/registre.ts';

const CHROMIUM = process.env.ATMP_CHROMIUM ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`compte-navigateur : ${CHROMIUM} absent (apt-get install chromium) : test du navigateur sauté`);

let db: TestDb;
let app: FastifyInstance;
let browser: Browser;
let base: string;
const captures = process.env.ATMP_CAPTURES ?? tempDir('atmp-captures-');
mkdirSync(captures, { recursive: true });
const capture = (page: Page, nom: string) => page.screenshot({ path: join(captures, `${nom}.png`), fullPage: true });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!present)('compte AT/MP in headless Chromium', () => {
  beforeAll(async () => {
    db = await testDb();
    await preparerCampagne(db);
    await envoyerNotifications(db, { annee: ANNEE, outDir: tempDir('atmp-nav-out-'), sansEnvoi: true, config: { ...notificationsConfig({}), workers: 1 } });
    await mettreADisposition(db.knex, ANNEE, new Date());
    app = await creerServeur({ db, urlPublique: 'http://127.0.0.1', courrier: { description: 'test', envoyer: async () => {}, fermer: async () => {} } });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('signs in through the link, opens the notification, downloads its PDF and the CSV export', async () => {
    const ctx = await browser.newContext({ acceptDownloads: true, javaScriptEnabled: false, locale: 'fr-FR', viewport: { width: 1200, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(`${base}/connexion`);
    await capture(page, '01-connexion');
    expect(await page.textContent('h1')).toContain('Connexion à votre compte AT/MP');

    const c = await compteEmployeur(db.knex, TETE);
    const lien = lienConnexion(base, await emettreJeton(db.knex, c.id, 'cli', new Date()));
    await page.goto(lien);
    await capture(page, '02-lien');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${base}/compte`);
    await capture(page, '03-accueil');
    const accueil = await page.innerText('main');
    expect(accueil).toContain('Métallerie du Nord');
    expect(accueil).toContain('Vos notifications de taux');
    expect(accueil).toContain('non consultée');
    expect(accueil).toContain('Conserverie Picarde'); // a company of the group (mandate)

    await page.getByRole('link', { name: `Taux ${ANNEE}` }).click();
    await page.waitForURL(`${base}/notifications/${ANNEE}`);
    await capture(page, '04-notification');
    const notif = await page.innerText('main');
    expect(notif).toContain(`Notification de taux AT/MP ${ANNEE}`);
    expect(notif).toMatch(/notifiée\s+le/);
    expect(notif).toContain('Recours possible jusqu’au');
    expect(notif).toContain('27.1ZF');

    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger la notification (PDF)' }).click()]);
    expect(pdf.suggestedFilename()).toBe(`notification-taux-atmp-${ANNEE}-${TETE}.pdf`);
    const octets = readFileSync((await pdf.path())!);
    expect(octets.subarray(0, 5).toString()).toBe('%PDF-');
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    expect(sha(octets)).toBe(n.pdf_sha256);

    await page.getByRole('link', { name: '200 000 008 00017' }).first().click();
    await capture(page, '05-etablissement');
    expect(await page.innerText('main')).toContain('Taux des trois dernières années');
    await page.goto(`${base}/etablissements/30000000700017/sinistres`);
    await capture(page, '06-sinistres');
    expect(await page.innerText('main')).toContain('Année d’imputation 2018');

    await page.goto(`${base}/compte`);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Télécharger les taux/ }).click()]);
    expect(csv.suggestedFilename()).toBe(`taux-atmp-${TETE}.csv`);
    const texte = readFileSync((await csv.path())!, 'utf8');
    expect(texte.replace(/^\ufeff/, '').split('\r\n')[0]).toBe('siret;code_risque;section;taux;date_debut;date_fin');
    expect(texte).toMatch(/\r\n20000000800017;27\.1ZF;principale;\d+,\d+;2020-01-01;2020-12-31\r\n/);

    // the first consultation is recorded
    expect((await db.knex('notification_compte').where({ annee: ANNEE, destinataire_siren: TETE }).first()).premiere_consultation_le).not.toBeNull();
    await page.reload();
    await page.goto(`${base}/compte`);
    await capture(page, '07-accueil-consultee');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(`${base}/connexion`);
    await page.goto(`${base}/compte`);
    expect(page.url()).toBe(`${base}/connexion`);
    await ctx.close();
  });

  it('the agent’s pages', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', viewport: { width: 1200, height: 800 } });
    const page = await ctx.newPage();
    const ag = await compteAgent(db.knex, 'agent@carsat.example.fr');
    await page.goto(lienConnexion(base, await emettreJeton(db.knex, ag.id, 'cli', new Date())));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${base}/agent`);
    await capture(page, '08-agent');
    expect(await page.innerText('main')).toContain('Suivi des notifications dématérialisées');
    await page.goto(`${base}/agent/etablissement?siret=30000000700017`);
    await capture(page, '09-agent-etablissement');
    expect(await page.innerText('main')).toContain('Sinistres imputés');
    await page.goto(`${base}/agent/journal`);
    await capture(page, '10-journal');
    expect(await page.innerText('main')).toContain('téléchargement du PDF de la notification');
    await ctx.close();
  });
});

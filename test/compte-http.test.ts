/**
 * The online account over HTTP (fastify.inject), on the backend of the environment: sign-in links (single use,
 * 15 minutes, hashed), CSRF on every form, cross-account access refused on every kind of URL, first consultation
 * and the 15-day rule, audit trail, CSV export. The campaign is test/fixtures/notifications/campagne.ts: group
 * "Groupe Acier Nord" (head 200000008, mandate) with 300000007 and 500000005; 600000004 notified alone;
 * 400000006 on paper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, SIRETS_GROUPE, TETE, preparerCampagne } from './fixtures/notifications/campagne.ts';
import { envoyerNotifications } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { creerServeur } from '../server/app.ts';
import { compteAgent, compteEmployeur, emettreJeton, sha256 } from '../pipelines/compte/comptes.ts';
import { compteursCampagnes, mettreADisposition, registre } from '../pipelines/compte/registre.ts';
import type { CourrielCompte } from '../pipelines/compte/courriel.ts';
import { cellule, csvTaux } from '../server/csv.ts';
import { historiqueDecisionsCompte } from '../pipelines/compte/donnees.ts';

const SEUL = '600000004';
const SIRET_SEUL = '60000000400017';
const T0 = new Date('2026-03-02T09:00:00Z');
const jours = (n: number) => new Date(T0.getTime() + n * 86_400_000);

let db: TestDb;
let app: FastifyInstance;
let now = T0;
const envoyes: CourrielCompte[] = [];

/** A browser: its cookies, kept across requests. */
class Navigateur {
  cookies = new Map<string, string>();
  constructor(private host = 'localhost') {}
  private garder(r: LightMyRequestResponse) {
    for (const c of r.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return r;
  }
  async get(url: string) {
    return this.garder(await app.inject({ method: 'GET', url, headers: { host: this.host }, cookies: Object.fromEntries(this.cookies) }));
  }
  async post(url: string, champs: Record<string, string>) {
    return this.garder(await app.inject({
      method: 'POST', url, headers: { host: this.host, 'content-type': 'application/x-www-form-urlencoded' },
      cookies: Object.fromEntries(this.cookies), payload: new URLSearchParams(champs).toString(),
    }));
  }
  /** the CSRF token of the form on the page */
  static csrf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('pas de jeton CSRF dans la page');
    return m[1];
  }
}

async function lien(siren: string): Promise<string> {
  const c = await compteEmployeur(db.knex, siren);
  return emettreJeton(db.knex, c.id, 'cli', now);
}

async function connecter(siren: string): Promise<Navigateur> {
  const nav = new Navigateur();
  const t = await lien(siren);
  const page = await nav.get(`/connexion/lien?jeton=${t}`);
  expect(page.statusCode).toBe(200);
  const r = await nav.post('/connexion/lien', { jeton: t, _csrf: Navigateur.csrf(page.body) });
  expect(r.statusCode).toBe(303);
  expect(r.headers.location).toBe('/compte');
  return nav;
}

beforeAll(async () => {
  db = await testDb();
  await preparerCampagne(db);
  await envoyerNotifications(db, { annee: ANNEE, outDir: tempDir('atmp-compte-out-'), sansEnvoi: true, config: { ...notificationsConfig({}), workers: 1 } });
  await mettreADisposition(db.knex, ANNEE, T0);
  app = await creerServeur({
    db, maintenant: () => now, urlPublique: 'http://localhost:8080', limiteDemandes: 3,
    courrier: { description: 'test', envoyer: async (m) => void envoyes.push(m), fermer: async () => {} },
  });
}, 180_000);
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('mise à disposition', () => {
  it('one account per dematerialised recipient: the group head (mandate) and the lone company; the paper one has none', async () => {
    const comptes = await db.knex('compte').orderBy('siren').pluck('siren');
    expect(comptes).toEqual([TETE, SEUL]);
    const nc = await db.knex('notification_compte').orderBy('destinataire_siren').select('*');
    expect(nc.map((r) => r.destinataire_siren)).toEqual([TETE, SEUL]);
    expect(nc.every((r) => new Date(r.mise_a_disposition_le).getTime() === T0.getTime() && r.premiere_consultation_le === null)).toBe(true);
  });

  it('made available once: a second run makes nothing available again (the notice is the outbox\'s e-mail: test/notifications-avis.test.ts)', async () => {
    const r = await mettreADisposition(db.knex, ANNEE, jours(1));
    expect(r).toMatchObject({ mises_a_disposition: 0, deja: 2 });
  });

  it('a company whose group holds a mandate has no account of its own', async () => {
    await expect(compteEmployeur(db.knex, '300000007')).rejects.toThrow(/tête du groupe .*200000008/);
  });
});

describe('sign-in link', () => {
  it('works once, sets an HttpOnly SameSite=Lax session cookie, and is stored only as its SHA-256', async () => {
    const nav = new Navigateur();
    const t = await lien(TETE);
    expect(await db.knex('connexion_jeton').where({ hash: sha256(t) }).first()).toBeTruthy();
    const tout = JSON.stringify(await db.knex('connexion_jeton').select('*'));
    expect(tout).not.toContain(t);
    const page = await nav.get(`/connexion/lien?jeton=${t}`);
    expect(page.statusCode).toBe(200);
    const csrf = Navigateur.csrf(page.body);
    const r = await nav.post('/connexion/lien', { jeton: t, _csrf: csrf });
    expect(r.statusCode).toBe(303);
    const cookie = String(([] as string[]).concat(r.headers['set-cookie'] as string[]).find((c) => c.startsWith('atmp_session=')));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // localhost
    expect((await nav.get('/compte')).body).toContain('Métallerie du Nord');
    // the second use is refused, even from the same browser
    const encore = await nav.post('/connexion/lien', { jeton: t, _csrf: csrf });
    expect(encore.statusCode).toBe(410);
    expect((await new Navigateur().get(`/connexion/lien?jeton=${t}`)).statusCode).toBe(410);
  });

  it('expires after 15 minutes', async () => {
    const t = await lien(TETE);
    const nav = new Navigateur();
    const page = await nav.get(`/connexion/lien?jeton=${t}`);
    const csrf = Navigateur.csrf(page.body);
    now = new Date(T0.getTime() + 15 * 60_000 + 1000);
    try {
      expect((await nav.post('/connexion/lien', { jeton: t, _csrf: csrf })).statusCode).toBe(410);
      expect(nav.cookies.has('atmp_session')).toBe(false);
    } finally {
      now = T0;
    }
  });

  it('the session cookie is Secure outside localhost', async () => {
    const nav = new Navigateur('compte.carsat.example.fr');
    const t = await lien(SEUL);
    const page = await nav.get(`/connexion/lien?jeton=${t}`);
    const r = await nav.post('/connexion/lien', { jeton: t, _csrf: Navigateur.csrf(page.body) });
    const cookie = String(([] as string[]).concat(r.headers['set-cookie'] as string[]).find((c) => c.startsWith('atmp_session=')));
    expect(cookie).toMatch(/; Secure/i);
  });

  it('requested by e-mail: same answer for unknown addresses, link delivered, requests rate-limited', async () => {
    const nav = new Navigateur();
    const avant = envoyes.length;
    let page = await nav.get('/connexion');
    const inconnue = await nav.post('/connexion', { email: 'personne@example.fr', _csrf: Navigateur.csrf(page.body) });
    expect(inconnue.statusCode).toBe(200);
    page = await nav.get('/connexion');
    const connue = await nav.post('/connexion', { email: 'PAIE@acierie.example.fr', _csrf: Navigateur.csrf(page.body) });
    expect(connue.statusCode).toBe(200);
    expect(connue.body.replace(/name="_csrf" value="[^"]+"/, '')).toBe(inconnue.body.replace(/name="_csrf" value="[^"]+"/, ''));
    expect(envoyes.length).toBe(avant + 1);
    const m = envoyes.at(-1)!;
    expect(m.a).toBe('paie@acierie.example.fr');
    const url = /http:\/\/localhost:8080(\/connexion\/lien\?jeton=[\w-]+)/.exec(m.texte)![1];
    const l = await nav.get(url);
    expect((await nav.post('/connexion/lien', { jeton: url.split('=')[1], _csrf: Navigateur.csrf(l.body) })).headers.location).toBe('/compte');
    // limiteDemandes: 3 per 15 minutes and client address
    page = await nav.get('/connexion');
    const limitee = await nav.post('/connexion', { email: 'paie@acierie.example.fr', _csrf: Navigateur.csrf(page.body) });
    expect(limitee.statusCode).toBe(200);
    page = await nav.get('/connexion');
    const refus = await nav.post('/connexion', { email: 'paie@acierie.example.fr', _csrf: Navigateur.csrf(page.body) });
    expect(refus.statusCode).toBe(429);
    expect(refus.body).toContain('Trop de demandes');
  });
});

describe('CSRF', () => {
  it('a POST without the token, or with a forged one, is refused and changes nothing', async () => {
    const nav = await connecter(TETE);
    const t = await lien(TETE);
    const sans = await nav.post('/connexion/lien', { jeton: t });
    expect(sans.statusCode).toBe(403);
    expect((await db.knex('connexion_jeton').where({ hash: sha256(t) }).first()).utilise_le).toBeNull();
    expect((await nav.post('/deconnexion', {})).statusCode).toBe(403);
    expect((await nav.post('/deconnexion', { _csrf: 'faux' })).statusCode).toBe(403);
    expect((await nav.get('/compte')).statusCode).toBe(200); // still signed in
    // a token from another browser does not fit this browser's secret
    const autre = new Navigateur();
    const jetonAutre = Navigateur.csrf((await autre.get('/connexion')).body);
    expect((await nav.post('/deconnexion', { _csrf: jetonAutre })).statusCode).toBe(403);
    const ok = await nav.post('/deconnexion', { _csrf: Navigateur.csrf((await nav.get('/compte')).body) });
    expect(ok.statusCode).toBe(303);
    expect((await nav.get('/compte')).headers.location).toBe('/connexion');
  });

  it('security headers come from helmet', async () => {
    const r = await new Navigateur().get('/connexion');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers['cache-control']).toBe('private, no-store');
  });
});

describe('lifecycle: first consultation and the 15-day rule', () => {
  it('the first consultation sets the notification date once; later openings never move it', async () => {
    now = jours(3);
    let nav = await connecter(TETE);
    // a HEAD request is not an opening
    expect((await app.inject({ method: 'HEAD', url: `/notifications/${ANNEE}/pdf`, cookies: Object.fromEntries(nav.cookies) })).statusCode).toBe(200);
    expect((await db.knex('notification_compte').where({ destinataire_siren: TETE }).first()).premiere_consultation_le).toBeNull();
    const page = await nav.get(`/notifications/${ANNEE}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('notifiée');
    expect(page.body).toContain('5 mars 2026');
    const premier = await db.knex('notification_compte').where({ destinataire_siren: TETE }).first();
    expect(new Date(premier.premiere_consultation_le).getTime()).toBe(jours(3).getTime());
    expect(premier).toMatchObject({ notifiee_par: 'consultation', notifiee_le: '2026-03-05', recours_jusqu_au: '2026-05-05' });
    now = jours(5);
    nav = await connecter(TETE);
    expect((await nav.get(`/notifications/${ANNEE}/pdf`)).statusCode).toBe(200);
    now = jours(12);
    nav = await connecter(TETE);
    await nav.get(`/notifications/${ANNEE}`);
    const ensuite = await db.knex('notification_compte').where({ destinataire_siren: TETE }).first();
    expect(ensuite).toEqual(premier);
    now = T0;
  });
  it('15 days without consultation make the notification "réputée notifiée" (recours: + 2 months)', async () => {
    now = jours(14);
    let [l] = await registre(db.knex, now, { annee: ANNEE }).then((r) => r.filter((x) => x.destinataire_siren === SEUL));
    expect(l.etat.etat).toBe('en_attente');
    expect(l.etat.auPlusTardLe).toBe('2026-03-17');
    let nav = await connecter(SEUL);
    expect((await nav.get('/compte')).body).toContain('non consultée');
    now = jours(15);
    [l] = await registre(db.knex, now, { annee: ANNEE }).then((r) => r.filter((x) => x.destinataire_siren === SEUL));
    expect(l.etat).toMatchObject({ etat: 'reputee_notifiee', notifieeLe: '2026-03-17', recoursJusquAu: '2026-05-17' });
    nav = await connecter(SEUL);
    const page = (await nav.get('/compte')).body;
    expect(page).toContain('réputée notifiée');
    expect(page).toContain('17 mars 2026');
    expect(page).toContain('17 mai 2026');
    const row = await db.knex('notification_compte').where({ destinataire_siren: SEUL }).first();
    expect(row).toMatchObject({ notifiee_par: 'quinze_jours', notifiee_le: '2026-03-17', recours_jusqu_au: '2026-05-17' });
    // a later consultation is recorded but moves nothing
    now = jours(20);
    nav = await connecter(SEUL);
    expect((await nav.get(`/notifications/${ANNEE}`)).statusCode).toBe(200);
    const apres = await db.knex('notification_compte').where({ destinataire_siren: SEUL }).first();
    expect(new Date(apres.premiere_consultation_le).getTime()).toBe(jours(20).getTime());
    expect(apres).toMatchObject({ notifiee_par: 'quinze_jours', notifiee_le: '2026-03-17', recours_jusqu_au: '2026-05-17' });
    now = T0;
  });

});

describe('an account never reaches another account’s data', () => {
  it('the head of the group sees its three companies; the lone company sees only itself', async () => {
    const a = await connecter(TETE);
    const accueil = (await a.get('/compte')).body;
    for (const s of SIRETS_GROUPE) expect(accueil).toContain(`/etablissements/${s}`);
    expect(accueil).not.toContain(SIRET_SEUL);
    const b = await connecter(SEUL);
    const accueilB = (await b.get('/compte')).body;
    expect(accueilB).toContain(`/etablissements/${SIRET_SEUL}`);
    for (const s of SIRETS_GROUPE) expect(accueilB).not.toContain(s);
  });

  it('establishment pages, claims, PDF, notification and export: every URL built with the other account’s identifiers', async () => {
    const b = await connecter(SEUL);
    const pdfB = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: SEUL }).first();
    const pdfA = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    const interdits = [
      ...SIRETS_GROUPE.flatMap((s) => [`/etablissements/${s}`, `/etablissements/${s}/sinistres`]),
      '/etablissements/40000000600017', '/etablissements/40000000600017/sinistres', // a company on paper, no account
      '/etablissements/20000000800017%20', '/etablissements/2000000080001', `/etablissements/${TETE}`,
      `/notifications/${ANNEE - 1}`, `/notifications/${ANNEE - 1}/pdf`, '/notifications/abcd/pdf',
      '/agent', '/agent/journal', '/agent/etablissement?siret=20000000800017',
    ];
    for (const url of interdits) {
      const r = await b.get(url);
      expect([url, r.statusCode]).toEqual([url, 404]);
      expect(r.body).not.toContain('Métallerie');
      expect(r.body).not.toContain('Forges');
    }
    // parameters naming the other recipient are ignored: B only ever gets its own PDF and rates
    for (const url of [`/notifications/${ANNEE}/pdf?siren=${TETE}`, `/notifications/${ANNEE}/pdf?destinataire_siren=${TETE}`]) {
      const r = await b.get(url);
      expect(r.statusCode).toBe(200);
      expect(sha256Buf(r.rawPayload)).toBe(pdfB.pdf_sha256);
      expect(sha256Buf(r.rawPayload)).not.toBe(pdfA.pdf_sha256);
    }
    for (const url of [`/export/taux.csv?siren=${TETE}`, `/export/taux.csv?siret=20000000800017`, `/export/taux.csv?annee=${ANNEE}&siren=${TETE}`]) {
      const r = await b.get(url);
      expect(r.statusCode).toBe(200);
      const sirets = r.body.replace(/^\ufeff/, '').trim().split('\r\n').slice(1).map((l) => l.split(';')[0]);
      expect(new Set(sirets)).toEqual(new Set([SIRET_SEUL]));
    }
    // and the notification page of year N is B's own
    const page = await b.get(`/notifications/${ANNEE}?siren=${TETE}`);
    expect(page.body).toContain('Acierie');
    expect(page.body).not.toContain('Métallerie');
    // without a session: the sign-in page, never data
    const anonyme = new Navigateur();
    for (const url of ['/compte', `/notifications/${ANNEE}/pdf`, '/export/taux.csv', `/etablissements/${SIRET_SEUL}`, `/etablissements/${SIRET_SEUL}/sinistres`, '/agent']) {
      const r = await anonyme.get(url);
      expect([url, r.statusCode, r.headers.location]).toEqual([url, 303, '/connexion']);
    }
    // a session cookie from nowhere is nobody
    const faux = new Navigateur();
    faux.cookies.set('atmp_session', 'x'.repeat(43));
    expect((await faux.get('/compte')).statusCode).toBe(303);
  });

  it('the head of the group reads its group company’s claims and rates, no name, no NIR', async () => {
    const a = await connecter(TETE);
    const r = await a.get('/etablissements/30000000700017/sinistres');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('15 janvier 2018'); // S7: AT, 20 days, IP 12 %
    expect(r.body).toContain('12,00');
    expect(r.body).toContain('IP2');
    expect(r.body).not.toMatch(/NIR|\b[12]\d{12}\b/);
    // trajet (S4) and inopposable (S5) claims are not charged (rules/imputation.ts)
    const f = (await a.get('/etablissements/20000000800017/sinistres')).body;
    expect(f).toContain('2 mars 2017');
    expect(f).toContain('1er février 2018');
    expect(f).not.toContain('1er avril 2018');
    expect(f).not.toContain('1er septembre 2017');
    const e = await a.get('/etablissements/20000000800017');
    expect(e.body).toContain('Taux des trois dernières années');
    expect(e.body).toContain('du 1er janvier 2020 au 31 décembre 2020');
    expect(e.body).toContain('historique'); // 2019 rate from the imported history
    expect(e.body).toContain('CSS art.'); // explanation steps with their references
  });

  it('the establishment page gives the history of its rate decisions, read within the account only', async () => {
    const a = await connecter(TETE);
    const e = (await a.get('/etablissements/30000000700017')).body;
    expect(e).toContain('Historique des décisions de taux');
    expect(e).toMatch(/du 01\/01\/2020 au 31\/12\/2020<\/td><td class="n">4,80\s*%<\/td><td>campagne/);
    // the same SIRET read with another account's scope: nothing, even called directly
    const seul = await compteEmployeur(db.knex, SIRET_SEUL.slice(0, 9));
    const tete = await compteEmployeur(db.knex, TETE);
    expect(await historiqueDecisionsCompte(db.knex, { compteId: seul.id }, '30000000700017')).toEqual([]);
    expect((await historiqueDecisionsCompte(db.knex, { compteId: tete.id }, '30000000700017')).length).toBeGreaterThan(0);
  });
});

describe('export CSV', () => {
  it('SIRET, code risque, section, rate, start and end; formula cells neutralised', async () => {
    const a = await connecter(TETE);
    const r = await a.get(`/export/taux.csv?annee=${ANNEE}`);
    expect(r.headers['content-type']).toContain('text/csv');
    expect(r.headers['content-disposition']).toContain(`taux-atmp-${TETE}-${ANNEE}.csv`);
    const lignes = r.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lignes[0]).toBe('siret;code_risque;section;taux;date_debut;date_fin');
    const attendu = await db.knex('campagne_taux').where({ annee: ANNEE, notifie: true }).whereIn('siret', SIRETS_GROUPE).count<{ n: number }[]>('* as n');
    expect(lignes.length - 1).toBe(Number(attendu[0].n));
    expect(lignes.some((l) => /^20000000800017;00\.00B;bureau;\d+,\d+;2020-01-01;2020-12-31$/.test(l))).toBe(true);
    // the validity period is the barème's: the 2025 rates apply from 1 May 2025 (décret 2025-318)
    await db.knex('taux_notifie').insert({ siret: SIRET_SEUL, siren: SEUL, code_risque: '27.1ZF', annee: 2025, taux: '5.10' });
    try {
      const b = await connecter(SEUL);
      const r2025 = await b.get('/export/taux.csv?annee=2025');
      expect(r2025.body.replace(/^\ufeff/, '').trim().split('\r\n')[1]).toBe(`${SIRET_SEUL};27.1ZF;principale;5,10;2025-05-01;2025-12-31`);
    } finally {
      await db.knex('taux_notifie').where({ siret: SIRET_SEUL, annee: 2025 }).del();
    }
    expect(cellule('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    for (const c of ['+1', '-1', '@A1', '\tx']) expect(cellule(c).startsWith("'")).toBe(true);
    const csv = csvTaux([{ annee: 2020, siret: '=1+1', code_risque: '@x', section: '-s', mode: null, taux: '1.5', debut: '2020-01-01', fin: '2020-12-31', origine: 'historique', explication: null }]);
    expect(csv.split('\r\n')[1]).toBe("'=1+1;'@x;'-s;1,5;2020-01-01;2020-12-31");
  });
});

describe('agent and audit', () => {
  it('the agent sees campaign counts, any establishment, the audit trail, and issues links', async () => {
    const ag = await compteAgent(db.knex, 'agent@carsat.example.fr');
    const nav = new Navigateur();
    const t = await emettreJeton(db.knex, ag.id, 'cli', now);
    const page = await nav.get(`/connexion/lien?jeton=${t}`);
    const r = await nav.post('/connexion/lien', { jeton: t, _csrf: Navigateur.csrf(page.body) });
    expect(r.headers.location).toBe('/agent');
    const tb = (await nav.get('/agent')).body;
    // 3 recipients: 2 made available (both consulted by now, one deemed notified), 1 paper
    expect(tb).toMatch(/<td>2020<\/td><td class="n">3<\/td><td class="n">2<\/td><td class="n">2<\/td><td class="n">1<\/td><td class="n">0<\/td><td class="n">0<\/td><td class="n">1<br><span class="sous">dont 0 en recommandé avec AR<\/span><\/td>/);
    const e = await nav.get('/agent/etablissement?siret=40000000600017');
    expect(e.statusCode).toBe(200);
    expect(e.body).toContain('Épicerie');
    expect(e.body).toContain('1er février 2017'); // S9
    expect((await nav.get('/agent/etablissement?siret=99999999999999')).statusCode).toBe(404);
    const l = await nav.post('/agent/lien', { siren: SEUL, _csrf: Navigateur.csrf(tb) });
    const issued = /http:\/\/localhost:8080\/connexion\/lien\?jeton(?:=|&#x3D;)([\w-]+)/.exec(l.body)![1];
    expect(await db.knex('connexion_jeton').where({ hash: sha256(issued), origine: `agent:${ag.id}` }).first()).toBeTruthy();
    const j = (await nav.get('/agent/journal')).body;
    expect(j).toContain('consultation de la notification');
    expect(j).toContain('lien de connexion émis par un agent');
    // paper recipients: the group head (individuel and mixte rates) would go by registered letter, 600000004
    // (collectif, Alsace-Moselle) would not
    await db.knex('notification').where({ annee: ANNEE }).whereIn('destinataire_siren', [TETE, SEUL]).update({ dematerialisee: false });
    try {
      const [c] = await compteursCampagnes(db.knex, now);
      expect(c).toMatchObject({ papier: 3, papier_recommande: 1 });
    } finally {
      await db.knex('notification').where({ annee: ANNEE }).whereIn('destinataire_siren', [TETE, SEUL]).update({ dematerialisee: true });
    }
  });

  it('every access is in the audit table, with who, what and when; sign-in tokens never are', async () => {
    const lignes = await db.knex('acces_journal').select('*');
    expect(lignes.length).toBeGreaterThan(50);
    const b = await db.knex('compte').where({ siren: SEUL }).first();
    const conso = lignes.filter((l) => l.compte_id === b.id && l.action === 'téléchargement du PDF de la notification');
    expect(conso.length).toBeGreaterThan(0);
    expect(conso[0]).toMatchObject({ methode: 'GET', chemin: `/notifications/${ANNEE}/pdf`, statut_http: 200, objet: `notification ${ANNEE} ${SEUL}` });
    expect(lignes.some((l) => l.statut_http === 404 && l.compte_id === b.id)).toBe(true);
    expect(lignes.some((l) => l.action === 'refus CSRF' && l.statut_http === 403)).toBe(true);
    expect(lignes.every((l) => !/jeton=/.test(l.chemin))).toBe(true);
  });
});

const sha256Buf = (b: Buffer) => createHash('sha256').update(b).digest('hex');


/**
 * The employer's online account (compte AT/MP) and the agents' pages: a Fastify application rendering French HTML
 * on the server with handlebars (templates/web), usable without JavaScript. Security model (docs/compte.md):
 * sign-in by single-use e-mail link, sessions in the database behind an HttpOnly SameSite=Lax cookie (Secure outside
 * localhost), a CSRF token on every form, security headers from @fastify/helmet, link requests rate-limited by
 * @fastify/rate-limit, every data query scoped in SQL to the account's SIRENs, every request in the audit table.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { Db } from '../lib/db.ts';
import {
  compteEmployeur, consommerJeton, emettreJeton, fermerSession, jetonValide, journaliser, lienConnexion, liensRecents,
  lireSession, ouvrirSession, LIEN_VALIDITE_MINUTES, LIENS_PAR_FENETRE, SESSION_VALIDITE_HEURES, type Compte,
} from '../pipelines/compte/comptes.ts';
import { courrielLien, type Courrier } from '../pipelines/compte/courriel.ts';
import { compteursCampagnes, consulter, registre } from '../pipelines/compte/registre.ts';
import { etablissement, etablissementsDuCompte, historiqueDecisionsCompte, notificationDuCompte, sinistres, tauxRecents, type Portee } from '../pipelines/compte/donnees.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { UserError } from '../lib/errors.ts';
import { csvTaux } from './csv.ts';
import { rendre, vues } from './vues.ts';

export const COOKIE_SESSION = 'atmp_session';

export interface OptionsServeur {
  db: Db;
  /** the clock (tests move it) */
  maintenant?: () => Date;
  /** pino options, or false (tests) */
  journal?: boolean | Record<string, unknown>;
  /** public address used in the links sent (default ATMP_URL_PUBLIQUE or http://localhost:8080) */
  urlPublique: string;
  /** where sign-in links are sent */
  courrier: Courrier;
  /** secret signing the CSRF cookie (default: random at each start) */
  secret?: string;
  /** link requests per client address per 15 minutes */
  limiteDemandes?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    compte: Compte | null;
    jetonSession?: string;
    audit?: { action: string; objet?: string };
  }
}

const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const estLocal = (req: FastifyRequest) => LOCAL.has(req.hostname.replace(/:\d+$/, ''));
const chemin = (url: string) => url.split('?')[0];

class Introuvable extends Error {}

export async function creerServeur(o: OptionsServeur): Promise<FastifyInstance> {
  const knex = o.db.knex;
  const maintenant = o.maintenant ?? (() => new Date());
  const carsat = notificationsConfig().carsat.nom;
  const app = Fastify({ logger: o.journal ?? false, logController: new LogController({ disableRequestLogging: true }), trustProxy: process.env.ATMP_TRUST_PROXY === '1' });

  await app.register(helmet, {
    contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'form-action': ["'self'"], 'img-src': ["'self'", 'data:'] } },
  });
  await app.register(cookie, { secret: o.secret ?? randomBytes(32).toString('hex') });
  await app.register(csrf, { cookieKey: 'atmp_csrf', cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, signed: true, secure: 'auto' } });
  await app.register(formbody, { bodyLimit: 16_384 });
  await app.register(rateLimit, { global: false });
  app.decorateRequest('compte', null);

  // who is signed in (before anything else, 404s included)
  app.addHook('onRequest', async (req) => {
    const t = req.cookies[COOKIE_SESSION];
    req.compte = await lireSession(knex, t, maintenant());
    if (req.compte) req.jetonSession = t;
  });
  // every form is protected: no POST without the CSRF token of this browser
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method === 'POST') app.csrfProtection(req, reply, done);
    else done();
  });
  // the audit trail: who, what, when, for every request (the sign-in token never appears: the query is dropped)
  app.addHook('onSend', async (req, reply, payload) => {
    await journaliser(knex, {
      compte_id: req.compte?.id ?? null, ip: req.ip, methode: req.method, chemin: chemin(req.url), statut_http: reply.statusCode,
      action: req.audit?.action ?? `${req.method} ${req.routeOptions.url ?? chemin(req.url)}`, objet: req.audit?.objet ?? null, quand: maintenant(),
    });
    return payload;
  });
  // one structured line per request
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ methode: req.method, chemin: chemin(req.url), statut: reply.statusCode, duree_ms: Math.round(reply.elapsedTime * 10) / 10, compte: req.compte?.id ?? null }, 'requête');
  });

  const html = (reply: FastifyReply, req: FastifyRequest, vue: keyof typeof vues, ctx: Record<string, unknown>, statut = 200) => {
    const jeton = reply.generateCsrf();
    // pages are personal: never kept by a shared cache or the browser's back-forward store
    reply.header('cache-control', 'private, no-store');
    return reply.code(statut).type('text/html; charset=utf-8').send(rendre(vue, { ...ctx, csrf: jeton, compte: req.compte, agent: req.compte?.role === 'agent' }));
  };

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof Introuvable) return html(reply, req, 'message', { titre: 'Page introuvable', texte: 'Cette page n’existe pas ou ne concerne pas votre compte.' }, 404);
    if (err.code?.startsWith('FST_CSRF')) {
      req.audit = { action: 'refus CSRF' };
      return html(reply, req, 'message', { titre: 'Formulaire refusé', texte: 'Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et recommencez.' }, 403);
    }
    if (err.statusCode === 429) {
      req.audit = { action: 'demande de lien limitée' };
      return html(reply, req, 'message', { titre: 'Trop de demandes', texte: 'Trop de demandes de lien depuis cette adresse. Réessayez dans quelques minutes.' }, 429);
    }
    if (err instanceof UserError) return html(reply, req, 'message', { titre: 'Demande impossible', texte: err.message }, 400);
    if (err.statusCode && err.statusCode < 500) return html(reply, req, 'message', { titre: 'Demande invalide', texte: 'La demande n’a pas pu être lue.' }, err.statusCode);
    req.log.error(err);
    return html(reply, req, 'message', { titre: 'Erreur', texte: 'Une erreur interne est survenue. Réessayez plus tard.' }, 500);
  });
  app.setNotFoundHandler((req, reply) => html(reply, req, 'message', { titre: 'Page introuvable', texte: 'Cette page n’existe pas ou ne concerne pas votre compte.' }, 404));

  /** Employer pages: a signed-in employer account, else the sign-in page. */
  const employeur = (req: FastifyRequest, reply: FastifyReply): Compte | null => {
    if (req.compte?.role === 'employeur') return req.compte;
    if (req.compte?.role === 'agent') reply.redirect('/agent', 303);
    else reply.redirect('/connexion', 303);
    return null;
  };
  const agent = (req: FastifyRequest, reply: FastifyReply): Compte | null => {
    if (req.compte?.role === 'agent') return req.compte;
    if (req.compte) throw new Introuvable();
    reply.redirect('/connexion', 303);
    return null;
  };
  const annee = (v: string) => {
    if (!/^\d{4}$/.test(v)) throw new Introuvable();
    return Number(v);
  };

  app.get('/', async (req, reply) => reply.redirect(req.compte ? (req.compte.role === 'agent' ? '/agent' : '/compte') : '/connexion', 303));

  // ---- sign-in by single-use link
  app.get('/connexion', async (req, reply) => html(reply, req, 'connexion', { titre: 'Connexion' }));

  const limite = o.limiteDemandes ?? 10;
  app.post<{ Body: { email?: string } }>('/connexion', {
    config: { rateLimit: { max: limite, timeWindow: '15 minutes', hook: 'preHandler' } },
  }, async (req, reply) => {
    const email = String(req.body?.email ?? '').trim();
    if (!/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email)) {
      return html(reply, req, 'connexion', { titre: 'Connexion', erreur: 'Adresse électronique invalide.', email }, 400);
    }
    const comptes = await knex('compte').whereRaw('lower(email) = lower(?)', [email]).select('id', 'email', 'siren');
    let envoyes = 0;
    for (const c of comptes) {
      // at most LIENS_PAR_FENETRE links per account within their validity: no mailbox flooding
      if ((await liensRecents(knex, c.id, maintenant())) >= LIENS_PAR_FENETRE) continue;
      const t = await emettreJeton(knex, c.id, 'courriel', maintenant());
      await o.courrier.envoyer(courrielLien(carsat, c.email, lienConnexion(o.urlPublique, t), LIEN_VALIDITE_MINUTES, `connexion-${c.siren ?? `agent-${c.id}`}-${t.slice(0, 8)}`));
      envoyes++;
    }
    req.audit = { action: 'demande de lien de connexion', objet: `${envoyes} lien(s) envoyé(s)` };
    // the same answer whether or not the address has an account
    return html(reply, req, 'message', {
      titre: 'Vérifiez votre messagerie',
      texte: `Si un compte correspond à cette adresse, un lien de connexion valable ${LIEN_VALIDITE_MINUTES} minutes vient d’y être envoyé. Il ne sert qu’une fois.`,
    });
  });

  // GET does not use the link (mail scanners open links): it shows a button that does
  app.get<{ Querystring: { jeton?: string } }>('/connexion/lien', async (req, reply) => {
    const t = String(req.query.jeton ?? '');
    const valide = await jetonValide(knex, t, maintenant());
    req.audit = { action: valide ? 'lien de connexion présenté' : 'lien de connexion invalide ou expiré' };
    if (!valide) return html(reply, req, 'message', { titre: 'Lien expiré', texte: `Ce lien de connexion a déjà servi ou a expiré (validité ${LIEN_VALIDITE_MINUTES} minutes). Demandez-en un nouveau.`, lienConnexion: true }, 410);
    return html(reply, req, 'lien', { titre: 'Connexion', jeton: t });
  });

  app.post<{ Body: { jeton?: string } }>('/connexion/lien', async (req, reply) => {
    const c = await consommerJeton(knex, String(req.body?.jeton ?? ''), maintenant());
    if (!c) {
      req.audit = { action: 'connexion refusée : lien invalide, déjà utilisé ou expiré' };
      return html(reply, req, 'message', { titre: 'Lien expiré', texte: `Ce lien de connexion a déjà servi ou a expiré (validité ${LIEN_VALIDITE_MINUTES} minutes). Demandez-en un nouveau.`, lienConnexion: true }, 410);
    }
    if (req.jetonSession) await fermerSession(knex, req.jetonSession, maintenant());
    const s = await ouvrirSession(knex, c.id, maintenant());
    req.compte = c;
    req.audit = { action: 'connexion', objet: c.siren ? `SIREN ${c.siren}` : `agent ${c.email}` };
    reply.setCookie(COOKIE_SESSION, s, { path: '/', httpOnly: true, sameSite: 'lax', secure: !estLocal(req), maxAge: SESSION_VALIDITE_HEURES * 3600 });
    return reply.redirect(c.role === 'agent' ? '/agent' : '/compte', 303);
  });

  app.post('/deconnexion', async (req, reply) => {
    req.audit = { action: 'déconnexion' };
    await fermerSession(knex, req.jetonSession, maintenant());
    reply.clearCookie(COOKIE_SESSION, { path: '/' });
    return reply.redirect('/connexion', 303);
  });

  // ---- employer pages
  app.get('/compte', async (req, reply) => {
    const c = employeur(req, reply);
    if (!c) return reply;
    req.audit = { action: 'accueil du compte' };
    const p: Portee = { compteId: c.id };
    const [notifs, etabs] = await Promise.all([registre(knex, maintenant(), { compteId: c.id }), etablissementsDuCompte(knex, p)]);
    return html(reply, req, 'accueil', { titre: 'Votre compte AT/MP', notifications: notifs, etablissements: etabs, plusieurs: new Set(etabs.map((e: { siren: string }) => e.siren)).size > 1 });
  });

  const pageNotification = async (req: FastifyRequest<{ Params: { annee: string } }>, reply: FastifyReply, pdf: boolean) => {
    const c = employeur(req, reply);
    if (!c) return reply;
    const a = annee(req.params.annee);
    const n = await notificationDuCompte(knex, c.id, a);
    if (!n) throw new Introuvable();
    // a HEAD request (link checkers) is not an opening
    if (req.method === 'GET') await consulter(knex, c.id, a, maintenant());
    req.audit = { action: pdf ? 'téléchargement du PDF de la notification' : 'consultation de la notification', objet: `notification ${a} ${n.destinataire_siren}` };
    if (pdf) {
      let octets: Buffer;
      try {
        octets = await readFile(n.pdf_chemin);
      } catch {
        throw new UserError('Le document de cette notification est momentanément indisponible. Contactez la Carsat.');
      }
      if (createHash('sha256').update(octets).digest('hex') !== n.pdf_sha256) throw new UserError('Le document de cette notification est momentanément indisponible. Contactez la Carsat.');
      return reply.type('application/pdf')
        .header('content-disposition', `attachment; filename="notification-taux-atmp-${a}-${n.destinataire_siren}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(octets);
    }
    const [ligne] = await registre(knex, maintenant(), { compteId: c.id, annee: a });
    const taux = (await tauxRecents(knex, { compteId: c.id }, { jusqua: a, annees: 1 })).filter((t) => t.annee === a && (n.sirets as string[]).includes(t.siret));
    return html(reply, req, 'notification', { titre: `Notification de taux AT/MP ${a}`, n, ligne, taux });
  };
  app.get<{ Params: { annee: string } }>('/notifications/:annee', (req, reply) => pageNotification(req, reply, false));
  app.get<{ Params: { annee: string } }>('/notifications/:annee/pdf', (req, reply) => pageNotification(req, reply, true));

  /** The establishment of the URL, read within the signed-in employer's scope (404 outside it); null: redirected. */
  const etablissementDemande = async (req: FastifyRequest, reply: FastifyReply, siret: string) => {
    const c = employeur(req, reply);
    if (!c) return null;
    const p: Portee = { compteId: c.id };
    const e = await etablissement(knex, p, siret);
    if (!e) throw new Introuvable();
    return { p, e };
  };

  app.get<{ Params: { siret: string } }>('/etablissements/:siret', async (req, reply) => {
    const demande = await etablissementDemande(req, reply, req.params.siret);
    if (!demande) return reply;
    const { p, e } = demande;
    req.audit = { action: 'consultation des taux d’un établissement', objet: `SIRET ${e.siret}` };
    const [taux, decisions] = await Promise.all([tauxRecents(knex, p, { siret: e.siret }), historiqueDecisionsCompte(knex, p, e.siret)]);
    return html(reply, req, 'etablissement', { titre: `Établissement ${e.siret}`, e, taux, decisions });
  });

  app.get<{ Params: { siret: string } }>('/etablissements/:siret/sinistres', async (req, reply) => {
    const demande = await etablissementDemande(req, reply, req.params.siret);
    if (!demande) return reply;
    const { p, e } = demande;
    req.audit = { action: 'consultation des sinistres imputés', objet: `SIRET ${e.siret}` };
    return html(reply, req, 'sinistres', { titre: `Sinistres imputés — ${e.siret}`, e, annees: parAnnee(await sinistres(knex, p, e.siret)) });
  });

  app.get<{ Querystring: { annee?: string } }>('/export/taux.csv', async (req, reply) => {
    const c = employeur(req, reply);
    if (!c) return reply;
    const a = req.query.annee ? annee(req.query.annee) : undefined;
    const taux = await tauxRecents(knex, { compteId: c.id }, a ? { jusqua: a, annees: 1 } : {});
    req.audit = { action: 'export des taux (CSV)', objet: `SIREN ${c.siren}${a ? ` ${a}` : ''}` };
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="taux-atmp-${c.siren}${a ? `-${a}` : ''}.csv"`)
      .header('cache-control', 'private, no-store')
      .send(csvTaux(taux));
  });

  // ---- agent pages
  app.get('/agent', async (req, reply) => {
    if (!agent(req, reply)) return reply;
    req.audit = { action: 'tableau de bord agent' };
    return html(reply, req, 'agent', { titre: 'Suivi des notifications', campagnes: await compteursCampagnes(knex, maintenant()) });
  });

  app.get<{ Querystring: { siret?: string } }>('/agent/etablissement', async (req, reply) => {
    const a = agent(req, reply);
    if (!a) return reply;
    const siret = String(req.query.siret ?? '').replace(/\s/g, '');
    if (!siret) return html(reply, req, 'agent-etablissement', { titre: 'Recherche d’établissement' });
    const p: Portee = { agent: true, compteId: a.id };
    const e = await etablissement(knex, p, siret);
    req.audit = { action: 'consultation agent d’un établissement', objet: `SIRET ${siret}` };
    if (!e) return html(reply, req, 'agent-etablissement', { titre: 'Recherche d’établissement', siret, introuvable: true }, 404);
    const [taux, sin, decisions] = await Promise.all([tauxRecents(knex, p, { siret: e.siret }), sinistres(knex, p, e.siret), historiqueDecisionsCompte(knex, p, e.siret)]);
    return html(reply, req, 'agent-etablissement', { titre: `Établissement ${e.siret}`, siret, e, taux, decisions, annees: parAnnee(sin) });
  });

  app.get<{ Querystring: { page?: string } }>('/agent/journal', async (req, reply) => {
    if (!agent(req, reply)) return reply;
    req.audit = { action: 'consultation du journal des accès' };
    const page = Math.max(1, Number(req.query.page) || 1);
    const lignes = await knex('acces_journal as j').leftJoin('compte as c', 'c.id', 'j.compte_id')
      .orderBy('j.id', 'desc').limit(100).offset((page - 1) * 100)
      .select('j.quand', 'j.ip', 'j.methode', 'j.chemin', 'j.statut_http', 'j.action', 'j.objet', 'c.role', 'c.siren', 'c.email');
    return html(reply, req, 'journal', { titre: 'Journal des accès', lignes, page, suivante: lignes.length === 100 ? page + 1 : null });
  });

  app.post<{ Body: { siren?: string } }>('/agent/lien', async (req, reply) => {
    const a = agent(req, reply);
    if (!a) return reply;
    const siren = String(req.body?.siren ?? '').replace(/\s/g, '');
    const c = await compteEmployeur(knex, siren);
    const t = await emettreJeton(knex, c.id, `agent:${a.id}`, maintenant());
    req.audit = { action: 'lien de connexion émis par un agent', objet: `SIREN ${siren}` };
    return html(reply, req, 'agent', { titre: 'Suivi des notifications', campagnes: await compteursCampagnes(knex, maintenant()), lien: lienConnexion(o.urlPublique, t), lienSiren: siren });
  });

  return app;
}

function parAnnee<T extends { annee: number }>(lignes: T[]): { annee: number; lignes: T[] }[] {
  const m = new Map<number, T[]>();
  for (const l of lignes) m.set(l.annee, [...(m.get(l.annee) ?? []), l]);
  return [...m].map(([annee, l]) => ({ annee, lignes: l }));
}

/**
 * Accounts of the employer's online space: employer accounts (one per notification recipient), agent accounts,
 * single-use sign-in links (15 minutes, stored as SHA-256) and database sessions. No password anywhere.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { UserError } from '../../lib/errors.ts';

export const LIEN_VALIDITE_MINUTES = 15;
export const SESSION_VALIDITE_HEURES = 8;
/** sign-in links sent by e-mail to one account within the validity window, beyond which none is sent */
export const LIENS_PAR_FENETRE = 3;

export interface Compte {
  id: number;
  role: 'employeur' | 'agent';
  siren: string | null;
  email: string;
  raison_sociale?: string | null;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const jeton = () => randomBytes(32).toString('base64url');

/**
 * The employer account of a SIREN, created on first use with the notification e-mail of the référentiel
 * (the group's when the company heads a group with a mandate, else the company's).
 */
export async function compteEmployeur(knex: Knex, siren: string): Promise<Compte> {
  if (!/^\d{9}$/.test(siren)) throw new UserError(`SIREN « ${siren} » invalide (9 chiffres attendus)`, 2);
  const ent = await knex('entreprise as e')
    .leftJoin('groupe as g', function () {
      this.on('g.siren_tete', '=', 'e.siren').andOn(knex.raw('g.notification_groupee'));
    })
    .leftJoin('groupe as m', 'm.groupe_id', 'e.groupe_id')
    .where('e.siren', siren)
    .first('e.siren', 'e.raison_sociale', 'e.email_notification', 'g.email_notification as email_groupe',
      'm.notification_groupee as membre_mandat', 'm.siren_tete as tete', 'm.nom as groupe_nom');
  if (!ent) throw new UserError(`SIREN ${siren} absent du référentiel des entreprises`);
  if (ent.membre_mandat && ent.tete !== siren) {
    throw new UserError(`les notifications de ${siren} sont reçues par la tête du groupe « ${ent.groupe_nom} » (SIREN ${ent.tete}, mandat enregistré) : compte ${ent.tete}`);
  }
  const existant = await knex('compte').where({ role: 'employeur', siren }).first();
  if (existant) return { ...existant, raison_sociale: ent.raison_sociale };
  const email = ent.email_groupe ?? ent.email_notification;
  if (!email) throw new UserError(`aucune adresse de notification pour le SIREN ${siren} dans le référentiel : compte impossible, notification papier`);
  const { rows } = await knex.raw(
    `insert into compte (role, siren, email) values ('employeur', ?, ?) on conflict (siren) where role = 'employeur' do nothing returning *`,
    [siren, email],
  );
  const compte = rows[0] ?? (await knex('compte').where({ role: 'employeur', siren }).first());
  return { ...compte, raison_sociale: ent.raison_sociale };
}

export async function compteAgent(knex: Knex, email: string): Promise<Compte> {
  const e = email.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) throw new UserError(`adresse « ${email} » invalide`, 2);
  const existant = await knex('compte').where({ role: 'agent' }).whereRaw('lower(email) = lower(?)', [e]).first();
  if (existant) return existant;
  const [c] = await knex('compte').insert({ role: 'agent', email: e }).returning('*');
  return c;
}

/** A new single-use link token for the account; only its hash is stored. */
export async function emettreJeton(knex: Knex, compteId: number, origine: string, maintenant: Date): Promise<string> {
  const t = jeton();
  await knex('connexion_jeton').insert({
    hash: sha256(t), compte_id: compteId, origine, cree_le: maintenant,
    expire_le: new Date(maintenant.getTime() + LIEN_VALIDITE_MINUTES * 60_000),
  });
  return t;
}

/** Links requested by e-mail for this account still within their validity window. */
export async function liensRecents(knex: Knex, compteId: number, maintenant: Date): Promise<number> {
  const [r] = await knex('connexion_jeton')
    .where({ compte_id: compteId, origine: 'courriel' })
    .where('cree_le', '>', new Date(maintenant.getTime() - LIEN_VALIDITE_MINUTES * 60_000))
    .count<{ n: number }[]>('* as n');
  return Number(r.n);
}

/** Uses a link: at most once, before it expires. Returns the account, or null. One statement: no race. */
export async function consommerJeton(knex: Knex, t: string, maintenant: Date): Promise<Compte | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(t)) return null;
  const [r] = await knex('connexion_jeton')
    .where({ hash: sha256(t) }).whereNull('utilise_le').where('expire_le', '>', maintenant)
    .update({ utilise_le: maintenant }).returning('compte_id');
  if (!r) return null;
  return (await knex('compte').where({ id: r.compte_id }).first()) ?? null;
}

/** Is the link still usable (for the confirmation page, which does not use it)? */
export async function jetonValide(knex: Knex, t: string, maintenant: Date): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(t)) return false;
  const r = await knex('connexion_jeton').where({ hash: sha256(t) }).whereNull('utilise_le').where('expire_le', '>', maintenant).first('hash');
  return !!r;
}

export async function ouvrirSession(knex: Knex, compteId: number, maintenant: Date): Promise<string> {
  const t = jeton();
  await knex('session_web').insert({
    hash: sha256(t), compte_id: compteId, cree_le: maintenant,
    expire_le: new Date(maintenant.getTime() + SESSION_VALIDITE_HEURES * 3_600_000),
  });
  return t;
}

export async function lireSession(knex: Knex, t: string | undefined, maintenant: Date): Promise<Compte | null> {
  if (!t || !/^[A-Za-z0-9_-]{20,100}$/.test(t)) return null;
  const r = await knex('session_web as s').join('compte as c', 'c.id', 's.compte_id')
    .leftJoin('entreprise as e', 'e.siren', 'c.siren')
    .where('s.hash', sha256(t)).whereNull('s.fermee_le').where('s.expire_le', '>', maintenant)
    .first('c.id', 'c.role', 'c.siren', 'c.email', 'e.raison_sociale');
  return r ?? null;
}

export async function fermerSession(knex: Knex, t: string | undefined, maintenant: Date): Promise<void> {
  if (!t) return;
  await knex('session_web').where({ hash: sha256(t) }).whereNull('fermee_le').update({ fermee_le: maintenant });
}

export interface Acces {
  compte_id?: number | null;
  ip?: string | null;
  methode: string;
  chemin: string;
  statut_http?: number | null;
  action: string;
  objet?: string | null;
  quand?: Date;
}

export async function journaliser(knex: Knex, a: Acces): Promise<void> {
  await knex('acces_journal').insert({ ...a, quand: a.quand ?? new Date() });
}

/** The public address of the web application, for links in e-mails and at the command line. */
export const urlPublique = (env: NodeJS.ProcessEnv = process.env) => (env.ATMP_URL_PUBLIQUE?.trim() || 'http://localhost:8080').replace(/\/+$/, '');
export const lienConnexion = (base: string, t: string) => `${base}/connexion/lien?jeton=${t}`;

/** A sign-in link issued outside the web application (a command, the demo), written to the audit trail. */
export async function lienHorsLigne(knex: Knex, compte: { id: number }, acces: { chemin: string; action: string; objet: string }): Promise<string> {
  const t = await emettreJeton(knex, compte.id, 'cli', new Date());
  await journaliser(knex, { compte_id: compte.id, methode: 'CLI', ...acces });
  return lienConnexion(urlPublique(), t);
}

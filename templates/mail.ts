/**
 * The notification e-mail (handlebars): subject, HTML and text parts summarising the rates; the PDF is attached by
 * the sender. Templates: templates/mail.html.hbs (escaped) and templates/mail.txt.hbs (not escaped: plain text).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { dateLongue, pourcent, siret } from './format.ts';
import { delaiRecours, duGroupe, type Carsat, type DonneesNotification } from './notification.ts';
import { joursReputeeNotifiee } from '../rules/delais.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
let html: Handlebars.TemplateDelegate | undefined;
let texte: Handlebars.TemplateDelegate | undefined;

export interface Courriel {
  sujet: string;
  html: string;
  texte: string;
  fichier: string;
}

export function courrielNotification(d: DonneesNotification): Courriel {
  html ??= Handlebars.compile(readFileSync(join(DIR, 'mail.html.hbs'), 'utf8'), { strict: true });
  texte ??= Handlebars.compile(readFileSync(join(DIR, 'mail.txt.hbs'), 'utf8'), { strict: true, noEscape: true });
  const fichier = `notification-taux-atmp-${d.annee}-${d.destinataire.siren}.pdf`;
  const sujet = `${d.carsat.nom} : notification de vos taux AT/MP ${d.annee} — ${d.destinataire.nom}`;
  const ctx = {
    sujet, fichier, annee: d.annee, delaiRecours: delaiRecours(d.annee), anneePrecedente: d.annee - 1, date: dateLongue(d.date), reference: d.reference,
    carsat: { nom: d.carsat.nom, adresse: d.carsat.adresse },
    groupe: d.destinataire.groupe_nom ? duGroupe(d.destinataire.groupe_nom) : false,
    nombre: d.sections.length, pluriel: d.sections.length > 1,
    sections: d.sections.map((s) => ({
      siret: siret(s.siret), nom: s.etablissement_nom ?? s.raison_sociale ?? '', code_risque: s.code_risque,
      taux: pourcent(s.taux_notifie), precedent: s.taux_precedent ? pourcent(s.taux_precedent) : '—',
    })),
  };
  return { sujet, fichier, html: html(ctx), texte: texte(ctx) };
}

export interface DonneesAvis {
  annee: number;
  carsat: Carsat;
  /** the notification's page in the online account */
  url: string;
  /** the letter is attached (ATMP_NOTIFICATION_PIECE_JOINTE=oui) */
  pieceJointe: boolean;
  reference: string;
}

/**
 * The notice to a recipient with an online account: "votre notification de taux AT/MP N est disponible", the link
 * to sign in and read it, the rule that dates the notification (delays from rules/delais.ts). No personal data: no
 * name, no rate, no establishment.
 */
export function courrielAvis(d: DonneesAvis): Courriel {
  const jours = joursReputeeNotifiee(d.annee).valeur;
  const sujet = `${d.carsat.nom} : votre notification de taux AT/MP ${d.annee} est disponible`;
  const fichier = `notification-taux-atmp-${d.annee}.pdf`;
  const lignes = [
    'Madame, Monsieur,',
    '',
    `Votre notification de taux AT/MP ${d.annee} est disponible dans votre compte AT/MP. Pour la consulter, connectez-vous :`,
    d.url,
    '',
    `Elle vous est notifiée à la date de sa première consultation dans votre compte, et au plus tard ${jours} jours après sa mise à disposition. Le délai de recours de ${delaiRecours(d.annee)} court à compter de cette date.`,
    ...(d.pieceJointe ? ['', `Une copie de la notification est jointe à ce message (${fichier}).`] : []),
    '',
    `Le service tarification de la ${d.carsat.nom}`,
    ...d.carsat.adresse,
    '',
    'Ce message est envoyé automatiquement ; merci de ne pas y répondre directement.',
  ];
  const e = Handlebars.escapeExpression;
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${e(sujet)}</title></head><body>`
    + lignes.map((l) => (l === d.url ? `<p><a href="${e(l)}">${e(l)}</a></p>` : l ? `<p>${e(l)}</p>` : '')).join('')
    + '</body></html>';
  return { sujet, fichier, html, texte: lignes.join('\n') + '\n' };
}

/** The e-mail carrying a decision letter (rectification, ristourne, cotisation supplémentaire…): no rate, no name. */
export function courrielLettreDecision(carsat: Carsat, lot: string, siren: string): Courriel {
  const fichier = `decision-taux-atmp-${lot.replace(/[^\w-]/g, '-')}-${siren}.pdf`;
  const sujet = `${carsat.nom} : notification d’une décision relative à votre taux AT/MP`;
  const lignes = [
    'Madame, Monsieur,',
    '',
    `Vous trouverez ci-joint la notification d’une décision relative à votre taux de cotisation accidents du travail et maladies professionnelles (${fichier}). Elle indique les voies et délais de recours.`,
    '',
    `Le service tarification de la ${carsat.nom}`,
    ...carsat.adresse,
    '',
    'Ce message est envoyé automatiquement ; merci de ne pas y répondre directement.',
  ];
  const e = Handlebars.escapeExpression;
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${e(sujet)}</title></head><body>${lignes.map((l) => (l ? `<p>${e(l)}</p>` : '')).join('')}</body></html>`;
  return { sujet, fichier, html, texte: lignes.join('\n') + '\n' };
}

/**
 * The notification e-mail (handlebars): subject, HTML and text parts summarising the rates; the PDF is attached by
 * the sender. Templates: templates/mail.html.hbs (escaped) and templates/mail.txt.hbs (not escaped: plain text).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { dateLongue, pourcent, siret } from './format.ts';
import { delaiRecours, duGroupe, type DonneesNotification } from './notification.ts';

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

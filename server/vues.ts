/**
 * The HTML pages: handlebars templates of templates/web (escaped by default), each wrapped in layout.hbs. Figures
 * are formatted by templates/format.ts, as in the letters.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { dateLongue, euros, nombre, libelleMode, libelleSection, pourcent, siren, siret, texteFrancais } from '../templates/format.ts';
import { jourParis } from '../rules/consultation.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'web');

export const vues = {
  connexion: 'connexion.hbs', lien: 'lien.hbs', message: 'message.hbs', accueil: 'accueil.hbs', notification: 'notification.hbs',
  etablissement: 'etablissement.hbs', sinistres: 'sinistres.hbs', agent: 'agent.hbs', 'agent-etablissement': 'agent-etablissement.hbs', journal: 'journal.hbs',
} as const;

const hb = Handlebars.create();
const vide = (v: unknown) => v === null || v === undefined || v === '';
hb.registerHelper('fPourcent', (v: unknown) => (vide(v) ? '—' : pourcent(String(v))));
hb.registerHelper('fEuros', (v: unknown) => (vide(v) ? '—' : euros(String(v), true)));
hb.registerHelper('fDate', (v: unknown) => (vide(v) ? '—' : dateLongue(v instanceof Date ? jourParis(v) : String(v))));
hb.registerHelper('fHeure', (v: unknown) => {
  if (vide(v)) return '—';
  const d = new Date(v as string);
  return new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' }).format(d);
});
hb.registerHelper('fSiret', (v: string) => siret(v));
hb.registerHelper('fSiren', (v: string) => siren(v));
hb.registerHelper('fMode', (v: string | null) => libelleMode(v));
hb.registerHelper('fSection', (v: string) => libelleSection(v));
hb.registerHelper('fFr', (v: unknown) => (vide(v) ? '' : texteFrancais(String(v))));
hb.registerHelper('fPart', (v: unknown) => (vide(v) ? '—' : texteFrancais(String(Number(v) === 1 ? '1' : v))));
// a step's value: more than 4 decimals shown to 4 (as on the letter), the stored full precision in the tooltip
hb.registerHelper('fValeur', (v: unknown) => {
  if (vide(v)) return '';
  const t = String(v);
  if (/^-?\d+\.\d{5,}$/.test(t)) return new hb.SafeString(`<span title="${hb.escapeExpression(t)}">${hb.escapeExpression(nombre(t, 4))}</span>`);
  return texteFrancais(t);
});
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerPartial('sections', readFileSync(join(DIR, 'sections.hbs'), 'utf8'));
hb.registerPartial('fiche', readFileSync(join(DIR, 'etablissement.hbs'), 'utf8'));
hb.registerPartial('tableau-sinistres', readFileSync(join(DIR, 'tableau-sinistres.hbs'), 'utf8'));

const cache = new Map<string, Handlebars.TemplateDelegate>();
const gabarit = (f: string) => {
  let t = cache.get(f);
  if (!t) cache.set(f, (t = hb.compile(readFileSync(join(DIR, f), 'utf8'))));
  return t;
};

export function rendre(vue: keyof typeof vues, ctx: Record<string, unknown>): string {
  const contenu = gabarit(vues[vue])(ctx);
  return gabarit('layout.hbs')({ ...ctx, contenu });
}

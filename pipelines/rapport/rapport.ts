/**
 * `atmp campagne rapport --annee N`: the report a tarification head reads — counts by mode, distribution of the
 * notified rates, variations against N-1, écrêtements, the largest changes, sinistralité by CTN, the DSN
 * data-quality findings — as one self-contained HTML file (SVG charts inline, nothing fetched).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { ecrireAtomique } from '../../lib/fichiers.ts';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Knex } from 'knex';
import { runSql } from '../../lib/sql.ts';
import { UserError } from '../../lib/errors.ts';
import { anneeEffectif, anneesDeReference } from '../../rules/periodes.ts';
import { resumeCampagne } from '../campagne/run.ts';
import { barres } from './svg.ts';
import { barresComparees } from './svg-comparaison.ts';
import { indiceFrequenceParCtn } from '../statistiques/comparaison.ts';
import { dateLongue, euros, nombre, pourcent, variation } from '../../templates/format.ts';
import { createRequire } from 'node:module';
import { definitionRapport, POLICE_GRAPHIQUES } from '../../templates/rapport/campagne-pdf.ts';
import { rendreDefinition } from '../notifications/rendu.ts';
import { sinistresImputes, type SinistreRow } from '../campagne/tarifier.ts';
import { exclusion, partImputee } from '../../rules/imputation.ts';
import { validitesTaux } from '../bareme/validite.ts';

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'rapport', 'campagne.html.hbs');
export interface DonneesRapport {
  annee: number;
  html: string;
  donnees: Record<string, unknown>;
}

/**
 * Claims charged to the main sections of each CTN for rate year N, counted per category kind (IT, IP): a claim's IT
 * (IP) counts when it falls in N-4..N-2, is not excluded and bears a share > 0 there (rules/imputation.ts).
 */
export function compterSinistres(faits: (SinistreRow & { ctn: string; n: number })[], annee: number, debut: number, fin: number) {
  const comptes = new Map<string, { sinistres_it: number; sinistres_ip: number }>();
  for (const f of faits) {
    const c = comptes.get(f.ctn) ?? { sinistres_it: 0, sinistres_ip: 0 };
    for (const s of sinistresImputes(f)) {
      if (s.annee < debut || s.annee > fin || exclusion(s)) continue;
      const categorie = s.categorieIt ?? s.categorieIp!;
      if (!partImputee(s, annee, categorie).part.gt(0)) continue;
      if (s.categorieIt) c.sinistres_it += f.n;
      else c.sinistres_ip += f.n;
    }
    comptes.set(f.ctn, c);
  }
  return comptes;
}

export async function donneesRapport(knex: Knex, annee: number, date: string): Promise<DonneesRapport> {
  const campagne = await knex('campagne').where({ annee }).first();
  if (!campagne) throw new UserError(`aucune campagne ${annee} : atmp campagne run --annee ${annee}`);
  // decisions after the campaign (pipelines/decisions): rectifications, ristournes, cotisations supplémentaires
  const [decisions] = await runSql<Record<string, number>>(knex, 'decisions/compte-rapport.sql', { annee });
  const resume = (await resumeCampagne(knex, annee)) as Record<string, any>;
  const [debut, , fin] = anneesDeReference(annee);
  const [variationsHisto, variations, ctn, faitsSinistres, [{ qualite }]] = await Promise.all([
    runSql<{ classe: number; n: number }>(knex, 'rapport/variations.sql', { annee }),
    runSql<Record<string, string>>(knex, 'rapport/plus-fortes-variations.sql', { annee, limite: 15 }),
    runSql<Record<string, string>>(knex, 'rapport/sinistralite-ctn.sql', { annee, debut, fin }),
    runSql<SinistreRow & { ctn: string; n: number }>(knex, 'rapport/sinistres-ctn.sql', { annee, debut, fin }),
    runSql<{ qualite: Record<string, any> }>(knex, 'rapport/qualite-dsn.sql', { annee_effectif: anneeEffectif(annee) }),
  ]);
  const q = typeof qualite === 'string' ? JSON.parse(qualite) : qualite;
  const comptes = compterSinistres(faitsSinistres, annee, debut, fin);
  // the region's indice de fréquence against the nation's, per CTN, for the campaign's latest year of claims
  const comparaisonIf = await indiceFrequenceParCtn(knex, fin);
  const modes = ['collectif', 'mixte', 'individuel'].map((m) => ({ libelle: m, valeur: Number(resume.par_mode?.[m] ?? 0) }));
  const histo = new Map(variationsHisto.map((v) => [v.classe, v.n]));
  const classes = Array.from({ length: 17 }, (_, i) => i - 8);
  const libelleClasse = (c: number) => (c === -8 ? '≤ −2' : c === 8 ? '≥ +2' : `${c >= 0 ? '+' : '−'}${nombre(String(Math.abs(c) / 4), 2)}`);
  const graphiques = {
    modes: barres(modes, { titre: 'Sections par mode de tarification', largeur: 460 }),
    ecretements: barres(
      [{ libelle: 'à la hausse (plafond)', valeur: Number(resume.ecretements?.hausse ?? 0), couleur: '#c00000' }, { libelle: 'à la baisse (plancher)', valeur: Number(resume.ecretements?.baisse ?? 0), couleur: '#2e7d32' }],
      { titre: 'Écrêtements appliqués', largeur: 460 },
    ),
    distribution: barres(
      (resume.distribution_taux ?? []).map((d: { de: number; a: number; n: number }) => ({ libelle: d.de === 10 ? '10 % et +' : `${d.de}–${d.a} %`, valeur: d.n })),
      { titre: 'Distribution des taux notifiés', largeur: 900 },
    ),
    variations: barres(
      classes.map((c) => ({ libelle: libelleClasse(c), valeur: histo.get(c) ?? 0, couleur: c < 0 ? '#2e7d32' : c > 0 ? '#c00000' : '#7f7f7f' })),
      { titre: 'Variation par rapport au taux précédent (points)', largeur: 900 },
    ),
    indiceFrequenceCtn: barresComparees(
      comparaisonIf.lignes.map((l) => ({ libelle: l.ctn, titre: `CTN ${l.ctn}${l.libelle ? ` — ${l.libelle}` : ''}`, region: l.region, nation: l.nation, absenceRegion: l.secret ? 'secret' : '—' })),
      {
        titre: `Indice de fréquence des AT par CTN (AT pour 1 000 salariés) : région ${fin}, nation ${comparaisonIf.anneeNationale ?? '—'}`,
        legendeRegion: `région ${fin}`,
        legendeNation: comparaisonIf.anneeNationale === null ? 'nation : table non chargée' : `nation ${comparaisonIf.anneeNationale}`,
      },
    ),
  };
  // each rate year's validity as its barème states it (the 2025 rates from 1 May 2025, décret 2025-318)
  const validites = await validitesTaux(knex, [annee, annee - 1]);
  const periode = (a: number) => {
    const v = validites.get(a);
    return v ? `du ${dateLongue(v.debut)} au ${dateLongue(v.fin)}` : 'période non chargée';
  };
  const donnees = {
    annee, date: dateLongue(date),
    validite: `taux ${annee} applicables ${periode(annee)} ; taux ${annee - 1} : ${periode(annee - 1)}`,
    statut: campagne.provisoire ? `campagne PROVISOIRE calculée sur le barème ${campagne.bareme_annee}, en attendant l'arrêté ${annee} : ni validable ni notifiable`
      : campagne.statut === 'validee' ? `campagne validée le ${dateLongue(new Date(campagne.validee_le))}` : campagne.statut === 'calculee' ? 'campagne calculée, en attente de validation' : 'campagne en cours de calcul',
    bareme: campagne.bareme_empreinte?.slice(0, 12) ?? '—', resume,
    tauxMoyen: resume.taux?.moyen_pondere ? pourcent(resume.taux.moyen_pondere) : '—',
    variation: resume.variation ?? {},
    variations: variations.map((v) => ({
      ...v, taux_precedent: nombre(v.taux_precedent, 2), taux_calcule: nombre(v.taux_calcule, 2), taux_notifie: nombre(v.taux_notifie, 2),
      variation: variation(v.taux_notifie, v.taux_precedent), sens: v.variation.startsWith('-') ? 'baisse' : 'hausse',
    })),
    ctn: ctn.map((c) => ({ ...c, ...(comptes.get(c.ctn) ?? { sinistres_it: 0, sinistres_ip: 0 }), masse_salariale: euros(c.masse_salariale, true), valeur_du_risque: euros(c.valeur_du_risque, true), taux_moyen_pondere: c.taux_moyen_pondere ? pourcent(c.taux_moyen_pondere) : '—' })),
    debut, fin, anneeEffectif: anneeEffectif(annee), qualite: q, graphiques,
    comparaisonIf: {
      ...comparaisonIf,
      note: comparaisonIf.anneeNationale === null
        ? 'aucune table nationale chargée (atmp stats reference import)'
        : comparaisonIf.anneeNationale === fin ? `table nationale ${fin}` : `table nationale ${comparaisonIf.anneeNationale}, l'année chargée la plus proche de ${fin}`,
      lignes: comparaisonIf.lignes.map((l) => ({
        ...l,
        region: l.region === null ? (l.secret ? 'secret' : '—') : nombre(l.region, 1),
        nation: l.nation === null ? '—' : nombre(l.nation, 1),
        ratio: l.ratio === null ? '—' : nombre(l.ratio, 2),
      })),
    },
  };
  Object.assign(donnees, { decisions });
  const html = Handlebars.compile(readFileSync(TEMPLATE, 'utf8'))(donnees);
  return { annee, html, donnees };
}

export async function ecrireRapport(knex: Knex, annee: number, outDir: string, date = new Date().toISOString().slice(0, 10)): Promise<{ html: string; pdf: string }> {
  const r = await donneesRapport(knex, annee, date);
  const dir = join(outDir, 'rapports');
  mkdirSync(dir, { recursive: true });
  const html = join(dir, `campagne-${annee}.html`);
  ecrireAtomique(html, r.html);
  const pdf = join(dir, `campagne-${annee}.pdf`);
  (createRequire(import.meta.url)('pdfmake') as { addFonts(f: unknown): void }).addFonts(POLICE_GRAPHIQUES);
  ecrireAtomique(pdf, await rendreDefinition(definitionRapport(r.donnees)));
  return { html, pdf };
}

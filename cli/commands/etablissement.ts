import type { Command } from 'commander';
import { action, printJson, withDb } from '../run.ts';
import { vueEtablissement, type VueEtablissement } from '../../pipelines/ingest-dsn/etablissement.ts';
import { etablissementReferentiel, type EtablissementReferentiel } from '../../pipelines/ingest-referentiel/etablissement.ts';
import { problemeSiret } from '../../lib/siret.ts';
import { historiqueDecisions, historiqueJson, texteHistorique } from '../../pipelines/decisions/historique.ts';
import { UserError } from '../../lib/errors.ts';
import { tauxCampagnesEtablissement } from '../../pipelines/campagne/verification.ts';

/** The "compte employeur" of one establishment: référentiel (classification, sections, rates, claims) and DSN facts. */
export function register(program: Command) {
  program
    .command('etablissement')
    .description(
      "vue consolidée d'un établissement : identité, classement (codes risque par section), taux notifiés, sinistres et leurs catégories ; par mois masse salariale, effectif, heures, codes risque déclarés ; par année totaux et effectif R130-1 de l'entreprise",
    )
    .argument('<siret>', 'SIRET (14 chiffres)')
    .option('--json', 'sortie JSON')
    .action(
      action(async (siretArg: string, opts: { json?: boolean }) => {
        const siret = siretArg.replace(/\s/g, '');
        const p = problemeSiret(siret);
        if (p) throw new UserError(p, 2);
        const { dsn, referentiel, campagnes, decisions } = await withDb(async (db) => {
          const referentiel = await etablissementReferentiel(db.knex, siret);
          const campagnes = await tauxCampagnesEtablissement(db.knex, siret);
          const decisions = await historiqueDecisions(db.knex, siret);
          let dsn: VueEtablissement | null = null;
          try {
            dsn = await vueEtablissement(db.knex, siret);
          } catch (e) {
            if (!(e instanceof UserError) || e.exitCode !== 1) throw e;
          }
          return { dsn, referentiel, campagnes, decisions };
        });
        if (!dsn && !referentiel && !campagnes.length) throw new UserError(`SIRET ${siret} inconnu : ni dans le référentiel ni dans les DSN retenues`);
        if (opts.json) {
          printJson({ ...(dsn ?? { siret, siren: siret.slice(0, 9), mois: [], annees: [] }), referentiel, campagnes, decisions: historiqueJson(decisions) });
          return;
        }
        const out: string[] = [];
        if (referentiel) out.push(...texteReferentiel(referentiel));
        else out.push(`Établissement ${siret} — absent du référentiel`);
        for (const c of campagnes) {
          out.push(`  campagne ${c.annee} (${c.campagne}${c.provisoire ? `, PROVISOIRE : barème ${c.bareme_annee}` : ''}) ${c.code_risque} : ${c.taux === null ? `erreur : ${c.erreur}` : `${c.taux} % (${c.mode})${c.provisoire ? ' provisoire' : ''}`}`);
        }
        out.push(...texteHistorique(decisions));
        if (dsn) out.push(...texteDsn(dsn));
        else out.push('  DSN : aucune déclaration retenue');
        process.stdout.write(out.join('\n') + '\n');
      }),
    );
}

/** 2025-05-01 → 01/05/2025 */
const dateCourte = (d: string) => d.split('-').reverse().join('/');

function texteReferentiel(r: EtablissementReferentiel): string[] {
  const out = [
    `Établissement ${r.siret} — ${r.nom ?? 'sans nom'}${r.aRevoir ? ` — PROVISOIRE, à revoir (${r.motifRevue ?? ''})` : ''}`,
    `  ${[r.adresse, r.codePostal, r.commune].filter(Boolean).join(' ')}${r.alsaceMoselle ? ' (Alsace-Moselle)' : ''} ; créé le ${r.dateCreation ?? '—'}${r.optionTauxUnique ? ` ; taux unique depuis le ${r.optionTauxUnique}` : ''}`,
  ];
  if (r.entreprise) {
    out.push(`  entreprise ${r.entreprise.siren} ${r.entreprise.raisonSociale}${r.entreprise.groupe ? `, groupe ${r.entreprise.groupe.nom}` : ''}`);
  }
  for (const s of r.sections) out.push(`  section ${s.section} : ${s.codeRisque} (CTN ${s.ctn ?? '—'}) ${s.libelle.slice(0, 70)}${s.dateDebut ? ` depuis le ${s.dateDebut}` : ''}`);
  if (r.tauxNotifies.length) out.push(`  taux notifiés : ${r.tauxNotifies.map((t) => `${t.annee} ${t.codeRisque} ${t.taux} %${t.debut && t.fin ? ` (du ${dateCourte(t.debut)} au ${dateCourte(t.fin)})` : ''}`).join(' ; ')}`);
  for (const s of r.sinistres) {
    out.push(
      `  sinistre ${s.sinistreId} ${s.nature} du ${s.dateAccident} (${s.anneeImputation}) : ${s.categorieIT ?? '—'}${s.categorieIP ? ` + ${s.categorieIP} (${s.anneeIp})` : ''}${s.exclusion ? ` — écarté : ${s.exclusion}` : ` — part ${s.partIT ?? '—'}${s.partIP ? ` / IP ${s.partIP}` : ''}`}${s.imputation === 'utilisateur' ? ' (intérimaire, entreprise utilisatrice)' : ''}`,
    );
  }
  return out;
}

function texteDsn(v: VueEtablissement): string[] {
  const out = [`  DSN : SIREN ${v.siren}, NIC ${v.nic} — APET ${v.apet ?? 'inconnu'} — ${v.declarations_retenues} déclaration(s) retenue(s)`];
  out.push('  mois      masse salariale    effectif      heures  codes risque');
  for (const m of v.mois) {
    out.push(`  ${m.mois}  ${m.masse_salariale.padStart(15)}  ${(m.effectif === null ? '—' : m.effectif.slice(0, 10)).padStart(10)}  ${m.heures.padStart(10)}  ${m.codes_risque.map((c) => `${c} (${m.taux_at[c] ?? '—'} %)`).join(', ')}`);
  }
  for (const a of v.annees) {
    out.push(`  ${a.annee} : masse salariale ${a.masse_salariale}, heures ${a.heures}, effectif de l'établissement ${a.effectif_etablissement ?? '—'}, effectif de l'entreprise (R130-1) ${a.effectif_entreprise ?? '—'} sur ${a.mois_retenus_entreprise} mois`);
  }
  return out;
}

/**
 * `npm run demo` (`atmp demo`): the whole yearly job on a generated region, with nothing but Node and the embedded
 * database: generate ~200 companies, ingest the référentiel, the DSN (reporting the malformed file) and the two
 * sinistres extracts, run and validate the campaign of a rate year whose barème is complete for the generated
 * CTN, send the notifications (to the .eml outbox without SMTP settings), extract the statistics, write the
 * report. Running it again changes nothing and sends nothing twice: files already loaded are skipped, the
 * validated campaign is frozen, the outbox ledger knows what was sent.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';
import { progress } from '../../lib/progress.ts';
import { genererRegion } from '../generation/region.ts';
import { importerReferentiel } from '../ingest-referentiel/import.ts';
import { importerSinistres } from '../ingest-sinistres/import.ts';
import { ingererDsn } from '../ingest-dsn/load.ts';
import { lancerCampagne, validerCampagne } from '../campagne/run.ts';
import { ecrireRapport } from '../rapport/rapport.ts';
import { exporterSinistralite } from '../statistiques/sinistralite.ts';
import { importerTableNationale, lireTableNationale } from '../statistiques/reference.ts';
import { envoyerLesNotifications } from './notifications.ts';
import { ouvrirLesComptes } from './compte.ts';

export interface OptionsDemo {
  entreprises: number;
  graine: number;
  annee: number;
  journal: (ligne: string) => void;
}

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

export async function demo(db: Db, opts: OptionsDemo): Promise<Record<string, string>> {
  const { outDir } = loadConfig();
  const { annee, journal } = opts;
  const region = join(outDir, 'demo', 'region');
  const sorties: Record<string, string> = {};

  const campagne = await db.knex('campagne').where({ annee }).first();
  if (campagne?.statut === 'validee') {
    journal(`1-3. campagne ${annee} déjà validée le ${new Date(campagne.validee_le).toISOString().slice(0, 10)} : données figées, génération et ingestion sautées`);
  } else {
    let bar = progress('1. génération de la région');
    const g = genererRegion({ dossier: region, entreprises: opts.entreprises, graine: opts.graine, annee, progression: (f, t) => bar.update(f, t) });
    bar.stop();
    journal(`1. région générée dans ${region} : ${g.entreprises} entreprises, ${g.etablissements} établissements, ${g.fichiers_dsn} fichiers DSN, ${g.sinistres} sinistres`);

    const deja = new Set((await db.knex('referentiel_import').select('sha256')).map((r: { sha256: string }) => r.sha256));
    const refs = readdirSync(join(region, 'referentiel')).map((f) => join(region, 'referentiel', f)).filter((f) => !deja.has(sha(f)));
    const ref = await importerReferentiel(db.knex, refs, { annee });
    if (ref.rejetes.length) throw new Error(`référentiel rejeté : ${ref.rejetes.map((e) => e.message).join(' ; ')}`);
    journal(`2. référentiel : ${ref.charges.length} fichier(s) chargé(s)${refs.length ? '' : ' (déjà chargé)'}`);

    bar = progress('2. ingestion DSN');
    let n = 0;
    const total = g.fichiers_dsn;
    const dsn = await ingererDsn(db, [join(region, 'dsn')], () => bar.update(++n, total));
    bar.stop();
    journal(
      `2. DSN : ${dsn.charges} fichier(s) chargé(s), ${dsn.deja_charges} déjà chargé(s), ${dsn.rejetes} rejeté(s) ; ${dsn.declarations_retenues} déclarations retenues, ${dsn.declarations_remplacees} remplacées (annule et remplace)`,
    );
    for (const f of dsn.fichiers.filter((x) => x.statut === 'rejete')) journal(`   rejeté : ${f.raison}`);

    const extraits = readdirSync(join(region, 'sinistres')).sort().map((f) => join(region, 'sinistres', f));
    const sin = await importerSinistres(db.knex, extraits, { partiel: false, outDir });
    journal(`2. sinistres : ${sin.map((s) => `${s.versions} version(s) chargée(s), ${s.inchangees} inchangée(s)`).join(' ; ')}`);

    bar = progress(`3. campagne ${annee}`);
    const r = await lancerCampagne(db, { annee, progression: (f, t) => bar.update(f, t) });
    bar.stop();
    journal(`3. campagne ${annee} calculée : ${r.calculees} sections tarifées, ${r.erreurs} erreur(s)`);
    await validerCampagne(db, annee, 'démonstration');
    journal(`3. campagne ${annee} validée : taux figés`);
  }

  const env = await envoyerLesNotifications(db, annee, outDir);
  journal(`4. notifications : ${env.resume}`);
  Object.assign(sorties, env.sorties);

  // the national table shipped with the project (reference/statistiques), to compare the region with the nation
  const nationale = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'reference', 'statistiques', 'risque-at-2024-ctn-naf.csv');
  const table = await lireTableNationale(nationale);
  const chargee = await db.knex('stat_reference_import').where({ annee: 2024 }).first();
  if (chargee?.sha256 !== table.sha256) {
    const r = await importerTableNationale(db, table, 2024);
    journal(`5. table nationale 2024 de l'Assurance Maladie chargée : ${r.lignes} lignes (CTN × NAF)`);
  }
  for (const [par, colonnes] of [['code-risque', 'atmp'], ['ctn', 'atmp'], ['ctn-naf', 'nationales']] as const) {
    const s = await exporterSinistralite(db, { annee: annee - 2, par, colonnes, outDir, fr: true, bom: true });
    sorties[`statistiques ${annee - 2} par ${par}${colonnes === 'nationales' ? ', colonnes de la table nationale' : ''} (CSV pour tableur)`] = s.chemin;
  }
  journal(`5. statistiques de sinistralité ${annee - 2} écrites, comparées à la table nationale 2024`);

  const rapport = await ecrireRapport(db.knex, annee, outDir);
  sorties['rapport de campagne (HTML, à ouvrir dans un navigateur)'] = rapport.html;
  sorties['rapport de campagne (PDF)'] = rapport.pdf;
  journal(`6. rapport de campagne écrit`);

  Object.assign(sorties, await ouvrirLesComptes(db, annee, journal));
  return sorties;
}

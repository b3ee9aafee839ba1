/**
 * The hand-computed region of test/cases-campagne/campagne-2020.yaml, imported through the real pipelines
 * (annex 3, référentiel, sinistres) with its DSN facts as the ingestion stores them. Shared by the campaign and
 * notification tests; callers may add CSV rows (a group, more establishments) before the import.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, tempDir } from './cli.ts';
import type { TestDb } from './db.ts';
import { insererFaits, type FaitsEtablissement } from './faits.ts';
import type { InputProblem } from '../../lib/errors.ts';
import { importerBareme } from '../../pipelines/bareme/import.ts';
import { importerReferentiel } from '../../pipelines/ingest-referentiel/import.ts';
import { importerSinistres } from '../../pipelines/ingest-sinistres/import.ts';

export interface FixtureCampagne {
  annee: number;
  annexe_alsace_moselle?: string;
  entreprises: string;
  etablissements: string;
  taux_notifies: string;
  sinistres: string;
  faits: Record<string, FaitsEtablissement>;
  attendu: { siret: string; code_risque: string; mode: string; taux_notifie: string; taux_calcule?: string; ecretement?: string; calcul: string }[];
}

export const lireFixtureCampagne = (): FixtureCampagne =>
  parse(readFileSync(join(ROOT, 'test', 'cases-campagne', 'campagne-2020.yaml'), 'utf8')) as FixtureCampagne;

/** CSV texts replacing or adding to the fixture's own before the import. */
export interface Ajouts {
  groupes?: string;
  entreprises?: string;
  etablissements?: string;
}

/** Imports the fixture; returns what the pipelines refused (expected empty). */
export async function importerFixtureCampagne(db: TestDb, fx: FixtureCampagne, ajouts: Ajouts = {}): Promise<{ rejetsReferentiel: string[]; rejetsSinistres: InputProblem[] }> {
  const dir = tempDir('atmp-fixture-campagne-');
  const ecrire = (nom: string, contenu: string) => {
    const p = join(dir, nom);
    writeFileSync(p, contenu);
    return p;
  };
  if (fx.annexe_alsace_moselle) await importerBareme(db, { annee: fx.annee, fichier: ecrire('annexe3.csv', fx.annexe_alsace_moselle), source: 'annexe 3 de test' });
  const fichiers = [
    ...(ajouts.groupes ? [ecrire('groupes.csv', ajouts.groupes)] : []),
    ecrire('entreprises.csv', ajouts.entreprises ?? fx.entreprises),
    ecrire('etablissements.csv', ajouts.etablissements ?? fx.etablissements),
    ecrire('taux.csv', fx.taux_notifies),
  ];
  const ref = await importerReferentiel(db.knex, fichiers, { annee: fx.annee });
  const sin = await importerSinistres(db.knex, [ecrire('sinistres.csv', fx.sinistres)], { partiel: false, outDir: dir });
  await insererFaits(db.knex, fx.annee, fx.faits);
  return { rejetsReferentiel: ref.rejetes.map((e) => e.message), rejetsSinistres: sin.flatMap((r) => r.rejets) };
}

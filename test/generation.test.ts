/** `atmp generate`: a deterministic, realistic region whose files the pipelines accept. */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/cli.ts';
import { testDb } from './helpers/db.ts';
import { genererRegion } from '../pipelines/generation/region.ts';
import { importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { importerSinistres } from '../pipelines/ingest-sinistres/import.ts';
import { ingererDsn } from '../pipelines/ingest-dsn/load.ts';
import { lancerCampagne } from '../pipelines/campagne/run.ts';
import fc from 'fast-check';

function empreinte(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f !== 'manifeste.json') h.update(p.slice(dir.length)).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('atmp generate', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = genererRegion({ dossier: join(tempDir(), 'a'), entreprises: 8, graine: 7, annee: 2024 });
    const b = genererRegion({ dossier: join(tempDir(), 'b'), entreprises: 8, graine: 7, annee: 2024 });
    const c = genererRegion({ dossier: join(tempDir(), 'c'), entreprises: 8, graine: 8, annee: 2024 });
    expect(empreinte(a.dossier)).toBe(empreinte(b.dossier));
    expect(empreinte(a.dossier)).not.toBe(empreinte(c.dossier));
  });

  it('produces files every pipeline accepts, with the announced particular cases, and a campaign without error', async () => {
    const r = genererRegion({ dossier: join(tempDir(), 'region'), entreprises: 40, graine: 3, annee: 2024 });
    expect(r.cas_particuliers.fsna.length).toBeGreaterThan(0);
    expect(r.cas_particuliers.doublon).toHaveLength(1);
    expect(r.cas_particuliers.malforme).toHaveLength(1);
    expect(r.cas_particuliers.inopposable).toHaveLength(1);
    const db = await testDb();
    const ref = readdirSync(join(r.dossier, 'referentiel')).map((f) => join(r.dossier, 'referentiel', f));
    const imp = await importerReferentiel(db.knex, ref, { annee: 2024 });
    expect(imp.rejetes.map((e) => e.message)).toEqual([]);
    const dsn = await ingererDsn(db, [join(r.dossier, 'dsn')]);
    expect(dsn.rejetes).toBe(1);
    expect(dsn.fichiers.find((f) => f.statut === 'rejete')!.fichier).toContain(r.cas_particuliers.malforme[0]);
    expect(dsn.deja_charges).toBe(1);
    expect(dsn.declarations_remplacees).toBe(r.cas_particuliers.annule_et_remplace.length);
    const sin = readdirSync(join(r.dossier, 'sinistres')).sort().map((f) => join(r.dossier, 'sinistres', f));
    const s = await importerSinistres(db.knex, sin, { partiel: false, outDir: tempDir() });
    expect(s.every((x) => x.applique && !x.rejets.length)).toBe(true);
    const c = await lancerCampagne(db, { annee: 2024 });
    expect(c.liste_erreurs).toEqual([]);
    expect(Object.keys(c.par_mode as object).sort()).toEqual(['collectif', 'individuel', 'mixte']);
    await db.drop();
  });
});

describe('atmp generate, property: every seed gives a référentiel and sinistres atmp accepts', () => {
  it('seed 7 (bureau and FSNA rows of a taux unique establishment) and random seeds', async () => {
    const graines = fc.sample(fc.integer({ min: 0, max: 1_000_000 }), { numRuns: 3, seed: 20261201 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(7, ...graines), async (graine) => {
        const db = await testDb();
        try {
          const r = genererRegion({ dossier: join(tempDir(), `g${graine}`), entreprises: 12, graine, annee: 2024 });
          const ref = readdirSync(join(r.dossier, 'referentiel')).map((f) => join(r.dossier, 'referentiel', f));
          const imp = await importerReferentiel(db.knex, ref, { annee: 2024 });
          expect(imp.rejetes.map((e) => e.message), `graine ${graine}`).toEqual([]);
          const sin = readdirSync(join(r.dossier, 'sinistres')).sort().map((f) => join(r.dossier, 'sinistres', f));
          const s = await importerSinistres(db.knex, sin, { partiel: false, outDir: tempDir() });
          expect(s.flatMap((x) => x.rejets), `graine ${graine}`).toEqual([]);
        } finally {
          await db.drop();
        }
      }),
      { numRuns: 4, examples: [[7]] },
    );
  }, 180_000);
});

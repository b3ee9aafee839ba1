/**
 * `npm run bench:campagne [-- --entreprises 20000,60000,180000]`: generates consolidated facts directly in the
 * database for growing numbers of companies (sql/bench/generer-region.sql: 1 to 3 establishments each, masses
 * N-4..N-2, monthly headcounts, claims, previous rates), then times a whole campaign run (consolidation + rating
 * + storage) at each size. On PostgreSQL (DATABASE_URL) each size gets its own throw-away database; without it,
 * the embedded PGlite in a temporary data folder.
 * Baseline, measured in the same run on the same data: reading the consolidated inputs of every batch only (the
 * campaign's SQL, no rating, no storage). Last line: one JSON object.
 */
import { baseJetable } from './base.ts';
import { runSql, runSqlScript } from '../lib/sql.ts';
import { lancerCampagne, lireLot } from '../pipelines/campagne/run.ts';

const ANNEE = 2024;
const CODES = ['27.1ZF', '52.1BC', '45.1AA', '28.5DA'];
const arg = (nom: string) => {
  const i = process.argv.indexOf(`--${nom}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const base = process.env.DATABASE_URL;
const tailles = (arg('entreprises') ?? process.env.BENCH_ENTREPRISES ?? (base ? '20000,60000,180000' : '10000,30000,65000')).split(',').map(Number);
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

const ouvrir = () => baseJetable('atmp-bench-');

interface Mesure { entreprises: number; etablissements: number; generation_s: number; campagne_s: number; etablissements_per_s: number; lecture_s: number; baseline_etablissements_per_s: number }
const mesures: Mesure[] = [];
console.log(`bench:campagne sur ${base ? 'PostgreSQL' : 'PGlite (embarqué)'} ; tailles : ${tailles.join(', ')} entreprises`);
for (const entreprises of tailles) {
  const { db, fin } = await ouvrir();
  try {
    let t = performance.now();
    await db.knex.transaction((trx) => runSqlScript(trx, 'bench/generer-region.sql', { entreprises, premier: 100000000, annee: ANNEE, codes: CODES }));
    await db.knex.raw('analyze');
    const generation = (performance.now() - t) / 1000;
    const [{ n }] = await runSql<{ n: number }>(db.knex, 'campagne/compte-sections.sql', {});
    t = performance.now();
    const r = await lancerCampagne(db, { annee: ANNEE, lot: 500 });
    const campagne = (performance.now() - t) / 1000;
    if (r.erreurs) throw new Error(`${r.erreurs} erreurs de tarification`);
    // baseline: the consolidation reads alone, batch by batch
    t = performance.now();
    let apres = '';
    for (;;) {
      const sirens = (await runSql<{ siren: string }>(db.knex, 'campagne/lot-entreprises.sql', { apres, limite: 500 })).map((x) => x.siren);
      if (!sirens.length) break;
      await lireLot(db.knex, ANNEE, sirens);
      apres = sirens.at(-1)!;
    }
    const lecture = (performance.now() - t) / 1000;
    const m = {
      entreprises, etablissements: n, generation_s: +generation.toFixed(1), campagne_s: +campagne.toFixed(1),
      etablissements_per_s: Math.round(n / campagne), lecture_s: +lecture.toFixed(1), baseline_etablissements_per_s: Math.round(n / lecture),
    };
    mesures.push(m);
    console.log(`${entreprises} entreprises, ${n} établissements : génération ${m.generation_s} s, campagne ${m.campagne_s} s (${m.etablissements_per_s} étab./s), lecture seule ${m.lecture_s} s (${m.baseline_etablissements_per_s} étab./s), RSS max ${mb()} Mo`);
  } finally {
    await fin();
  }
}
const grande = mesures.at(-1)!;
const petite = mesures[0];
// linear growth: seconds per establishment at the largest size over the smallest (1.0 = perfectly linear)
const linearite = +((grande.campagne_s / grande.etablissements) / (petite.campagne_s / petite.etablissements)).toFixed(2);
const national = 2_300_000;
console.log(`croissance : ${linearite} × le coût par établissement de la plus petite taille ; extrapolation à ${national} établissements : ${Math.round(national / grande.etablissements_per_s)} s`);
console.log(JSON.stringify({
  etablissements_per_s: grande.etablissements_per_s,
  baseline_etablissements_per_s: grande.baseline_etablissements_per_s,
  peak_rss_mb: mb(),
  etablissements: grande.etablissements,
  campagne_s: grande.campagne_s,
  linearite,
  extrapolation_nationale_s: Math.round(national / grande.etablissements_per_s),
  backend: base ? 'postgres' : 'pglite',
}));

/**
 * DSN ingestion benchmark: generates synthetic NEODeS files (DSN_BENCH_MB, default 1024 MB, or --mb N), measures
 * on the same bytes (1) merely splitting them into lines and (2) the full ingestion (read, parse, facts, ledger,
 * COPY) on PostgreSQL when DATABASE_URL is set (a throw-away database), else on an in-memory PGlite.
 * The last line printed is one JSON object: {"mb_per_s", "baseline_mb_per_s", "peak_rss_mb", …}.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { baseJetable } from './base.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { ingererDsn } from '../pipelines/ingest-dsn/load.ts';
import { nombreLecteurs } from '../pipelines/ingest-dsn/lecteurs.ts';
import { lignesEnvoi, type DeclarationSpec, type IndividuSpec } from '../pipelines/ingest-dsn/synthetique.ts';

const arg = process.argv.indexOf('--mb');
const totalMb = Number(arg > 0 ? process.argv[arg + 1] : (process.env.DSN_BENCH_MB ?? 1024));
const fileMb = Number(process.env.DSN_BENCH_FILE_MB ?? 64);
if (!(totalMb > 0)) throw new Error('DSN_BENCH_MB / --mb: a positive size in MB is expected');

const log = (s: string) => process.stdout.write(s + '\n');

async function generer(dir: string): Promise<string[]> {
  const files: string[] = [];
  let total = 0;
  let etab = 0;
  const target = totalMb * 1024 * 1024;
  while (total < target) {
    const path = join(dir, `bench-${String(files.length).padStart(4, '0')}.dsn`);
    const out = createWriteStream(path);
    let size = 0;
    const limit = Math.min(fileMb * 1024 * 1024, target - total);
    while (size < limit) {
      // one envoi of 4 declarations (establishments), 40 individuals each, with régularisations and part time
      const declarations: DeclarationSpec[] = [];
      for (let d = 0; d < 4; d++) {
        etab++;
        const siren = avecCleLuhn(String(10000000 + (etab % 89999999)).padStart(8, '0'));
        const nic = avecCleLuhn(siren + '0001').slice(9);
        const individus: IndividuSpec[] = [];
        for (let i = 0; i < 40; i++) {
          const partiel = i % 5 === 0;
          individus.push({
            contrats: [{ debut: i % 7 === 0 ? '15032025' : '01012020', nature: i % 9 === 0 ? '02' : '01', motif: i % 9 === 0 ? '01' : undefined, dispositif: i % 11 === 0 ? '64' : '99', modalite: partiel ? '20' : '10', quotite: partiel ? '121.34' : undefined }],
            bases: [
              { debut: '01032025', montant: `${1800 + i}.${String(i % 100).padStart(2, '0')}` },
              ...(i % 4 === 0 ? [{ debut: '01022025', montant: `-${i}.50` }] : []),
            ],
            heures: partiel ? '121.34' : '151.67',
          });
        }
        declarations.push({ siren, nic, mois: '032025', individus });
      }
      const buf = iconv.encode(lignesEnvoi({ declarations }).join('\n') + '\n', 'win1252');
      size += buf.length;
      if (!out.write(buf)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    files.push(path);
    total += size;
  }
  return files;
}

/** Baseline: read the same files and split them into lines (count LF), nothing else. */
async function decouper(files: string[]): Promise<number> {
  let lines = 0;
  for (const f of files) {
    for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      let i = b.indexOf(10);
      while (i !== -1) {
        lines++;
        i = b.indexOf(10, i + 1);
      }
    }
  }
  return lines;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'atmp-bench-dsn-'));
  let fin: (() => Promise<void>) | undefined;
  try {
    log(`génération de ${totalMb} Mo de DSN synthétiques dans ${dir}…`);
    let t = performance.now();
    const files = await generer(dir);
    const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
    const mb = bytes / (1024 * 1024);
    log(`  ${files.length} fichiers, ${mb.toFixed(1)} Mo en ${((performance.now() - t) / 1000).toFixed(1)} s`);

    t = performance.now();
    const lines = await decouper(files);
    const baseline = mb / ((performance.now() - t) / 1000);
    log(`découpage en lignes seul : ${lines} lignes, ${baseline.toFixed(1)} Mo/s`);

    const jetable = await baseJetable('atmp-bench-dsn-db-', { memoire: true });
    const db = jetable.db;
    fin = jetable.fin;
    log(`ingestion sur ${jetable.nom}…`);
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const rapport = await ingererDsn(db, files);
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const secs = (performance.now() - t) / 1000;
    const faits = await db.knex('dsn_fait_mensuel').count<{ c: number }[]>({ c: '*' });
    if (rapport.rejetes) throw new Error(`fichiers rejetés : ${rapport.fichiers.filter((f) => f.raison).map((f) => f.raison).join('; ')}`);
    const speed = mb / secs;
    const peak = process.resourceUsage().maxRSS / 1024;
    log(`  ${rapport.charges} fichiers, ${rapport.declarations_retenues} déclarations retenues, ${faits[0].c} faits mensuels en ${secs.toFixed(1)} s`);
    log(`  ${speed.toFixed(1)} Mo/s de bout en bout ; découpage seul ${baseline.toFixed(1)} Mo/s ; RSS max ${peak.toFixed(0)} Mo`);
    log(`  CPU de ce processus (fils de lecture compris) : ${cpuS.toFixed(1)} s, soit ${(mb / cpuS).toFixed(1)} Mo par seconde de CPU ; charge de la machine : ${loadavg()[0].toFixed(2)}`);
    log(JSON.stringify({ mb_per_s: +speed.toFixed(1), baseline_mb_per_s: +baseline.toFixed(1), peak_rss_mb: +peak.toFixed(0), mb: +mb.toFixed(1), backend: db.backend, files: files.length, readers: nombreLecteurs(), mb_per_cpu_s: +(mb / cpuS).toFixed(1), loadavg_1m: +loadavg()[0].toFixed(2) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await fin?.();
  }
}

await main();

/**
 * `npm run bench:notifications [-- --entreprises 2300]` (PostgreSQL: DATABASE_URL): a synthetic region generated
 * in a throw-away database (sql/bench/generer-region.sql: one company = one recipient, ~90 % by e-mail), its
 * campaign computed and validated, then, in the same run and on the same data, the real command
 * `atmp notifications send` (bin/atmp.js, child processes, one rendering thread each, ATMP_NOTIFICATIONS_WORKERS=1):
 *   1. one process: rendering of every PDF (`--sans-envoi`), then sending of every e-mail to a local smtp-server;
 *   2. the outbox emptied, two processes started together, sharing the outbox: rendering, then sending.
 * Prints both throughputs, their ratio, the projected time for 100 000 recipients; last line one JSON object
 * (pdf_per_s: two processes; baseline_pdf_per_s: one process; scale_out_ratio; peak_rss_mb: the largest peak
 * resident set of one process). PGlite admits a single process: the bench needs PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { baseJetable } from './base.ts';
import { runSqlScript } from '../lib/sql.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';

const ANNEE = 2024;
const CODES = ['27.1ZF', '52.1BC', '45.1AA', '28.5DA'];
const BIN = fileURLToPath(new URL('../bin/atmp.js', import.meta.url));
const arg = (nom: string) => {
  const i = process.argv.indexOf(`--${nom}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const entreprises = Number(arg('entreprises') ?? process.env.BENCH_ENTREPRISES ?? 2300);
const log = (s: string) => console.log(s);

if (!process.env.DATABASE_URL) {
  console.error('bench:notifications : plusieurs processus partagent la boîte d’envoi par PostgreSQL ; PGlite n’admet qu’un processus. DATABASE_URL=postgres://… npm run bench:notifications');
  process.exit(2);
}

// the local SMTP server, in its own thread (its parsing is not the sender's cost): accepts everything, counts
const serveur = new Worker(
  `const { parentPort } = require('node:worker_threads');
   const { SMTPServer } = require(${JSON.stringify(createRequire(import.meta.url).resolve('smtp-server'))});
   let recus = 0, octets = 0;
   const s = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, size: 50 * 1024 * 1024,
     onData(stream, _s, cb) { stream.on('data', (c) => (octets += c.length)); stream.on('end', () => { recus++; cb(null, 'OK'); }); } });
   s.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: s.server.address().port }));
   parentPort.on('message', (m) => { if (m === 'compte') parentPort.postMessage({ recus, octets }); else s.close(() => process.exit(0)); });`,
  { eval: true },
);
const message = <T>() => new Promise<T>((r) => serveur.once('message', r));
const { port } = await message<{ port: number }>();
const compter = async () => {
  serveur.postMessage('compte');
  return message<{ recus: number; octets: number }>();
};

/** Peak resident set (VmHWM) of a live process, in MB; 0 once it is gone. */
function pic(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, all threads) of a live process so far, in seconds; undefined once it is gone. */
function cpu(pid: number): number | undefined {
  try {
    const champs = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 1/100 s
    return (Number(champs[11]) + Number(champs[12])) / 100;
  } catch {
    return undefined;
  }
}

interface Passage {
  rendues_ce_passage: number;
  envoyees_ce_passage: number;
}

/** `atmp notifications send` in `n` processes started together; wall time until the last one ends. */
async function lancer(n: number, env: Record<string, string>, extra: string[] = []): Promise<{ s: number; passages: Passage[]; rss: number; cpu_s: number }> {
  const t = performance.now();
  let rss = 0;
  let cpuTotal = 0;
  const passages = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Passage>((ok, ko) => {
        const p = spawn(process.execPath, [BIN, 'notifications', 'send', '--annee', String(ANNEE), '--json', ...extra], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        // the last CPU reading before the process ends (sampled: it misses at most the last 100 ms)
        let dernier = 0;
        const sonde = setInterval(() => {
          rss = Math.max(rss, pic(p.pid!));
          dernier = cpu(p.pid!) ?? dernier;
        }, 100);
        p.on('close', (code) => {
          clearInterval(sonde);
          cpuTotal += dernier;
          if (code !== 0) ko(new Error(`atmp notifications send : code ${code}\n${err}`));
          else ok(JSON.parse(out) as Passage);
        });
      }),
    ),
  );
  return { s: (performance.now() - t) / 1000, passages, rss, cpu_s: cpuTotal };
}

const outDir = mkdtempSync(join(tmpdir(), 'atmp-bench-notif-out-'));
const { db, nom, url, fin } = await baseJetable('atmp-bench-notif-');
try {
  log(`bench:notifications sur ${nom} ; ${entreprises} entreprises ; ${availableParallelism()} cœurs ; un thread de rendu par processus`);
  let t = performance.now();
  await db.knex.transaction((trx) => runSqlScript(trx, 'bench/generer-region.sql', { entreprises, premier: 100000000, annee: ANNEE, codes: CODES }));
  await lancerCampagne(db, { annee: ANNEE, lot: 500 });
  await validerCampagne(db, ANNEE, 'bench');
  log(`  région et campagne ${ANNEE} validée : ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const env = {
    DATABASE_URL: url!, ATMP_SMTP_URL: `smtp://127.0.0.1:${port}`, ATMP_OUT_DIR: outDir, ATMP_NOTIFICATIONS_WORKERS: '1',
    ATMP_SMTP_POOL: process.env.ATMP_SMTP_POOL ?? '5', ATMP_QUIET: '1',
  };
  const mesures: Record<number, { pdf_s: number; mail_s: number; pdfs: number; mails: number; rss: number; cpu_ms_pdf: number }> = {};
  for (const n of [1, 2]) {
    // the same work each time: the outbox and its files emptied
    await db.knex('notification').where({ annee: ANNEE }).delete();
    rmSync(outDir, { recursive: true, force: true });
    const avant = (await compter()).recus;
    const r = await lancer(n, env, ['--sans-envoi']);
    const e = await lancer(n, env);
    const pdfs = r.passages.reduce((a, p) => a + p.rendues_ce_passage, 0);
    const mails = e.passages.reduce((a, p) => a + p.envoyees_ce_passage, 0);
    const recus = (await compter()).recus - avant;
    if (recus !== mails) throw new Error(`reçus ${recus} ≠ envoyés ${mails}`);
    mesures[n] = { pdf_s: r.s, mail_s: e.s, pdfs, mails, rss: Math.max(r.rss, e.rss), cpu_ms_pdf: (r.cpu_s * 1000) / pdfs };
    log(`  ${n} processus : ${pdfs} PDF en ${r.s.toFixed(1)} s → ${(pdfs / r.s).toFixed(1)} PDF/s (${r.passages.map((p) => p.rendues_ce_passage).join(' + ')}) ; ` +
      `${mails} courriels en ${e.s.toFixed(1)} s → ${(mails / e.s).toFixed(1)} courriels/s (${e.passages.map((p) => p.envoyees_ce_passage).join(' + ')}) ; pic RSS ${mesures[n].rss} Mo par processus ; rendu : ${mesures[n].cpu_ms_pdf.toFixed(0)} ms de CPU par PDF`);
  }
  const un = mesures[1];
  const deux = mesures[2];
  const ratio = deux.pdfs / deux.pdf_s / (un.pdfs / un.pdf_s);
  const projection = (m: typeof un) => (100_000 / (m.pdfs / m.pdf_s) + (100_000 * m.mails) / m.pdfs / (m.mails / m.mail_s)) / 60;
  // on a busy machine the wall-clock ratio says more about the other load than about atmp: the CPU time per PDF
  // and the load average show it
  log(`  charge moyenne de la machine (1 min) : ${loadavg()[0].toFixed(1)} pour ${availableParallelism()} cœurs`);
  log(`  passage à l'échelle : ${(deux.pdfs / deux.pdf_s).toFixed(1)} / ${(un.pdfs / un.pdf_s).toFixed(1)} PDF/s = × ${ratio.toFixed(2)} (objectif ≥ 1,7 sur 2 cœurs)`);
  log(`  100 000 destinataires sur cette machine : ~${projection(un).toFixed(0)} min en un processus, ~${projection(deux).toFixed(0)} min en deux (rendu puis envoi)`);
  console.log(JSON.stringify({
    notifications: un.pdfs, mails: un.mails, cores: availableParallelism(), backend: 'postgres',
    pdf_per_s: Number((deux.pdfs / deux.pdf_s).toFixed(1)),
    baseline_pdf_per_s: Number((un.pdfs / un.pdf_s).toFixed(1)),
    scale_out_ratio: Number(ratio.toFixed(2)),
    mails_per_s: Number((deux.mails / deux.mail_s).toFixed(1)),
    baseline_mails_per_s: Number((un.mails / un.mail_s).toFixed(1)),
    projected_minutes_100k: Number(projection(deux).toFixed(1)),
    baseline_projected_minutes_100k: Number(projection(un).toFixed(1)),
    cpu_ms_per_pdf: Number(un.cpu_ms_pdf.toFixed(1)),
    cpu_ms_per_pdf_two_processes: Number(deux.cpu_ms_pdf.toFixed(1)),
    load_average: Number(loadavg()[0].toFixed(1)),
    peak_rss_mb: Math.max(un.rss, deux.rss),
  }));
} finally {
  await fin();
  rmSync(outDir, { recursive: true, force: true });
  serveur.postMessage('fin');
  await new Promise((r) => serveur.once('exit', r));
}

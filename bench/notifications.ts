/**
 * `npm run bench:notifications [-- --entreprises 2300]`: a synthetic region generated in the database
 * (sql/bench/generer-region.sql: one company = one recipient, ~90 % with dematerialised notification), its campaign
 * computed and validated, then:
 *   1. rendering of every notification PDF in the piscina worker pool (embedded Roboto), stored with its SHA-256;
 *   2. sending of every e-mail notification to a local smtp-server started here on 127.0.0.1 (pooled nodemailer);
 *   3. baseline, measured in the same run on the same data: one plain pdfmake document per notification rendered in
 *      this single thread (pdfmake and pdfkit as shipped: the TTF parsed again for each document, no fast path of
 *      pipelines/notifications/pdfmake-rapide.ts), on a sample; and the fast path in this single thread, same sample.
 * On PostgreSQL (DATABASE_URL) a throw-away database; without it, the embedded PGlite in a temporary folder.
 * Last line: one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { baseJetable } from './base.ts';
import { runSqlScript } from '../lib/sql.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';
import { envoyerNotifications, lireDestinataires } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { rendreDefinition } from '../pipelines/notifications/rendu.ts';
import { definitionNotification } from '../templates/notification.ts';

const ANNEE = 2024;
const CODES = ['27.1ZF', '52.1BC', '45.1AA', '28.5DA'];
const arg = (nom: string) => {
  const i = process.argv.indexOf(`--${nom}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const entreprises = Number(arg('entreprises') ?? process.env.BENCH_ENTREPRISES ?? 2300);
const echantillon = Number(arg('baseline') ?? 300);
const base = process.env.DATABASE_URL;
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const log = (s: string) => console.log(s);

const ouvrir = () => baseJetable('atmp-bench-notif-');

// the local SMTP server, in its own thread (its parsing is not the sender's cost): accepts everything, counts the
// messages and their bytes
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

const outDir = mkdtempSync(join(tmpdir(), 'atmp-bench-notif-out-'));
const workers = Number(process.env.ATMP_NOTIFICATIONS_WORKERS ?? availableParallelism());
const config = { ...notificationsConfig(), smtpUrl: `smtp://127.0.0.1:${port}`, smtpPool: Number(process.env.ATMP_SMTP_POOL ?? 5), smtpRate: undefined, workers, backoffMs: 100 };
const { db, fin } = await ouvrir();
try {
  log(`bench:notifications sur ${base ? 'PostgreSQL' : 'PGlite (embarqué)'} ; ${entreprises} entreprises ; ${workers} threads de rendu ; ${availableParallelism()} cœurs`);
  let t = performance.now();
  await db.knex.transaction((trx) => runSqlScript(trx, 'bench/generer-region.sql', { entreprises, premier: 100000000, annee: ANNEE, codes: CODES }));
  await lancerCampagne(db, { annee: ANNEE, lot: 500 });
  await validerCampagne(db, ANNEE, 'bench');
  log(`  région et campagne ${ANNEE} validée : ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const r1 = await envoyerNotifications(db, { annee: ANNEE, outDir, config, sansEnvoi: true });
  const rendu_s = (performance.now() - t) / 1000;
  const pdfs = r1.rendues_ce_passage;
  log(`  rendu : ${pdfs} PDF (${r1.sections} sections) en ${rendu_s.toFixed(2)} s → ${(pdfs / rendu_s).toFixed(1)} PDF/s (pool de ${workers} threads, écriture et registre compris)`);

  t = performance.now();
  const r2 = await envoyerNotifications(db, { annee: ANNEE, outDir, config });
  const envoi_s = (performance.now() - t) / 1000;
  const mails = r2.envoyees_ce_passage;
  const { recus, octets } = await compter();
  log(`  envoi : ${mails} courriels (${(octets / 1e6).toFixed(1)} Mo) acceptés par le serveur local en ${envoi_s.toFixed(2)} s → ${(mails / envoi_s).toFixed(1)} courriels/s (${config.smtpPool} connexions) ; reçus ${recus}`);
  if (recus !== mails) throw new Error(`reçus ${recus} ≠ envoyés ${mails}`);

  // baseline: plain pdfmake as shipped, single thread, same notifications
  const c = await db.knex('campagne').where({ annee: ANNEE }).first();
  const dests = (await lireDestinataires(db.knex, ANNEE, config, new Date(c.validee_le))).slice(0, echantillon);
  await rendreDefinition(definitionNotification(dests[0].donnees)); // warm-up
  t = performance.now();
  for (const d of dests) await rendreDefinition(definitionNotification(d.donnees));
  const base_s = (performance.now() - t) / 1000;
  await rendreDefinition(definitionNotification(dests[0].donnees));
  t = performance.now();
  for (const d of dests) await rendreDefinition(definitionNotification(d.donnees));
  const mono_s = (performance.now() - t) / 1000;
  log(`  même échantillon, un seul thread, rendu rapide (pdfmake-rapide.ts) : ${(dests.length / mono_s).toFixed(1)} PDF/s`);
  log(`  référence : ${dests.length} documents pdfmake simples, un seul thread, en ${base_s.toFixed(2)} s → ${(dests.length / base_s).toFixed(1)} PDF/s`);

  const res = {
    notifications: r2.destinataires, pdf: pdfs, mails, papier: r2.papier, sections: r2.sections, workers, cores: availableParallelism(),
    backend: base ? 'postgres' : 'pglite',
    pdf_per_s: Number((pdfs / rendu_s).toFixed(1)),
    baseline_pdf_per_s: Number((dests.length / base_s).toFixed(1)),
    mails_per_s: Number((mails / envoi_s).toFixed(1)),
    single_thread_fast_pdf_per_s: Number((dests.length / mono_s).toFixed(1)),
    peak_rss_mb: mb(),
  };
  console.log(JSON.stringify(res));
} finally {
  await fin();
  rmSync(outDir, { recursive: true, force: true });
  serveur.postMessage('fin');
  await new Promise((r) => serveur.once('exit', r));
}

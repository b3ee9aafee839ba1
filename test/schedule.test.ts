/**
 * `atmp schedule`: a real daemon process picks up the files dropped in its inbox, runs the job through the
 * ledger (two daemons never run one job twice), logs each run as JSON, and stops cleanly on SIGTERM.
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.ts';
import { backend, testDb } from './helpers/db.ts';
import { lirePlanification } from '../jobs/schedule.ts';

const fixture = (f: string) => join(ROOT, 'test', 'fixtures', 'referentiel', f);

function demon(plan: string, env: Record<string, string>): { child: ChildProcess; evenements: Record<string, unknown>[]; attendre: (p: (e: Record<string, unknown>) => boolean) => Promise<void>; fin: Promise<number> } {
  const child = spawn(process.execPath, [BIN, 'schedule', plan], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const evenements: Record<string, unknown>[] = [];
  const attentes: { p: (e: Record<string, unknown>) => boolean; ok: () => void }[] = [];
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const e = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      evenements.push(e);
      for (const a of [...attentes]) if (a.p(e)) { attentes.splice(attentes.indexOf(a), 1); a.ok(); }
    }
  });
  const fin = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  return {
    child, evenements, fin,
    attendre: (p) => (evenements.some(p) ? Promise.resolve() : new Promise((ok) => attentes.push({ p, ok }))),
  };
}

describe('atmp schedule', () => {
  it('validates its file and explains errors', async () => {
    const dir = tempDir();
    const bad = join(dir, 'plan.yaml');
    writeFileSync(bad, 'jobs:\n  - nom: x\n    type: campagne\n    annee: 2024\n    cron: "pas une expression"\n');
    expect(() => lirePlanification(bad)).toThrow(/expression cron "pas une expression" invalide/);
    const r = await runCli(['schedule', '--check', bad]);
    expect(r.code).toBe(1);
  });

  it('ingests the inbox through the ledger, once, with two daemons running, and stops on SIGTERM', async () => {
    const db = await testDb();
    const env: Record<string, string> = db.url ? { DATABASE_URL: db.url } : { DATABASE_URL: '', ATMP_DATA_DIR: join(tempDir(), 'db') };
    await db.close();
    const dir = tempDir();
    const depot = join(dir, 'depot');
    mkdirSync(depot);
    for (const f of ['groupes.csv', 'entreprises.csv', 'etablissements.csv']) copyFileSync(fixture(f), join(depot, f));
    const plan = join(dir, 'plan.yaml');
    // every 2 seconds: both daemons trigger within the same minute, i.e. the same ledger period
    writeFileSync(plan, `fuseau: Europe/Paris\njobs:\n  - nom: depot\n    type: ingestion\n    dossier: ${depot}\n    cron: "*/2 * * * * *"\n`);

    const a = demon(plan, env);
    const b = backend === 'postgres' ? demon(plan, env) : undefined;
    await a.attendre((e) => e.evenement === 'fin' || e.evenement === 'deja_fait');
    if (b) await b.attendre((e) => e.evenement === 'fin' || e.evenement === 'deja_fait' || e.evenement === 'erreur');
    await new Promise((r) => setTimeout(r, 2500));
    a.child.kill('SIGTERM');
    b?.child.kill('SIGTERM');
    expect(await a.fin).toBe(0);
    if (b) expect(await b.fin).toBe(0);
    expect(a.evenements.at(-1)).toMatchObject({ evenement: 'arrete' });

    const tous = [...a.evenements, ...(b?.evenements ?? [])];
    const fins = tous.filter((e) => e.evenement === 'fin');
    const periodes = fins.map((e) => e.periode);
    expect(new Set(periodes).size, 'one run per period, whatever the number of daemons').toBe(periodes.length);
    // the files are ingested by exactly one run (later triggers, in later minutes, find the inbox empty)
    const avecFichiers = fins.filter((e) => Number(e.fichiers_csv) > 0);
    expect(avecFichiers).toHaveLength(1);
    expect(avecFichiers[0]).toMatchObject({ job: 'depot', fichiers_csv: 3, rejetes: 0 });
    for (const f of ['groupes.csv', 'entreprises.csv', 'etablissements.csv']) {
      expect(existsSync(join(depot, 'traites', f))).toBe(true);
      expect(existsSync(join(depot, f))).toBe(false);
    }
    if (db.url) {
      const { openDb } = await import('../lib/db.ts');
      const { loadConfig } = await import('../lib/config.ts');
      const d = await openDb({ config: { ...loadConfig(), databaseUrl: db.url } });
      const runs = await d.knex('job_run').where({ job: 'ingestion-depot' });
      expect(runs.every((r: { statut: string; tentatives: number }) => r.statut === 'termine' && r.tentatives === 1)).toBe(true);
      expect(await d.knex('entreprise').count({ n: '*' }).first()).toEqual({ n: 4 });
      await d.close();
    }
    await db.drop();
  });
});

describe('atmp schedule and a running campaign', () => {
  it.skipIf(backend !== 'postgres')('the depot job is refused while a campaign holds the data, naming it; its files stay for the next trigger (PostgreSQL: two connections)', async () => {
    const { verrouillerDonnees } = await import('../jobs/verrou-donnees.ts');
    const { executerJob } = await import('../jobs/schedule.ts');
    const db = await testDb();
    const depot = join(tempDir(), 'depot');
    mkdirSync(depot);
    copyFileSync(fixture('groupes.csv'), join(depot, 'groupes.csv'));
    const liberer = await verrouillerDonnees(db, 'campagne run --annee 2027', 'partage');
    const avant = process.env.DATABASE_URL;
    const journal: Record<string, unknown>[] = [];
    try {
      process.env.DATABASE_URL = db.url;
      await executerJob({ nom: 'depot', cron: '* * * * *', type: 'ingestion', dossier: depot }, new Date('2026-12-01T02:00:00Z'), (e) => journal.push(e));
    } finally {
      process.env.DATABASE_URL = avant;
      await liberer();
    }
    expect(journal.at(-1)).toMatchObject({ evenement: 'erreur' });
    expect(String(journal.at(-1)!.erreur)).toMatch(/refusé : les données sont en cours d'utilisation par « atmp campagne run --annee 2027 »/);
    expect(existsSync(join(depot, 'groupes.csv'))).toBe(true);
    await db.drop();
  });
});

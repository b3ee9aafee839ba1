/**
 * `atmp compte` and `atmp serveur` run by the real executable: notifications made available with their notices,
 * sign-in links printed, the ledger's dates in `notifications status`, and the server's --help, one JSON log line
 * per request and clean SIGTERM shutdown. On a data folder (PGlite) or a throw-away database (PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { BIN, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { ANNEE, TETE, preparerCampagne } from './fixtures/notifications/campagne.ts';

let env: Record<string, string | undefined>;
let pg: TestDb | undefined;
let outDir: string;

const atmp = (args: string[]): Promise<CliResult> =>
  runCli(args, { ATMP_QUIET: '1', ATMP_SMTP_URL: '', ATMP_OUT_DIR: outDir, ATMP_NOTIFICATIONS_WORKERS: '1', ATMP_URL_PUBLIQUE: 'http://localhost:8080', ...env });

beforeAll(async () => {
  outDir = tempDir('atmp-compte-cli-out-');
  if (backend === 'postgres') {
    pg = await testDb();
    await preparerCampagne(pg);
    env = { DATABASE_URL: pg.url };
  } else {
    const dataDir = join(tempDir('atmp-compte-cli-'), 'db');
    const db = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
    try {
      await preparerCampagne(Object.assign(db, { drop: () => db.close() }));
    } finally {
      await db.close();
    }
    env = { DATABASE_URL: undefined, ATMP_DATA_DIR: dataDir };
  }
  expect((await atmp(['notifications', 'send', '--annee', String(ANNEE), '--sans-envoi'])).code).toBe(0);
}, 240_000);
afterAll(async () => pg?.drop());

describe('atmp compte', () => {
  it('publier makes the notifications available without e-mail; notifications send sends one notice per account, never twice', async () => {
    const r = await atmp(['compte', 'publier', '--annee', String(ANNEE)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mises à disposition : 2 (déjà : 0)');
    // publier sends nothing: the notice is the outbox's e-mail
    expect(existsSync(join(outDir, 'outbox', String(ANNEE)))).toBe(false);
    expect(existsSync(join(outDir, 'outbox', 'compte'))).toBe(false);
    const envoi = await atmp(['notifications', 'send', '--annee', String(ANNEE), '--json']);
    expect(envoi.code).toBe(0);
    expect(JSON.parse(envoi.stdout)).toMatchObject({ envoyees_ce_passage: 2, avis: 2 });
    const avis = readdirSync(join(outDir, 'outbox', String(ANNEE))).sort();
    expect(avis).toEqual([`${TETE}.eml`, '600000004.eml']);
    const eml = readFileSync(join(outDir, 'outbox', String(ANNEE), avis[0]), 'utf8');
    expect(eml).toContain('\r\n');
    expect(eml).toContain('To: tarification@groupe-acier.example.fr');
    const m = await simpleParser(eml);
    expect(m.subject).toBe(`Carsat Nord-Picardie : votre notification de taux AT/MP ${ANNEE} est disponible`);
    expect(m.text).toContain(`http://localhost:8080/notifications/${ANNEE}`);
    expect(m.attachments).toHaveLength(0);
    const encore = await atmp(['compte', 'publier', '--annee', String(ANNEE), '--json']);
    expect(JSON.parse(encore.stdout)).toMatchObject({ mises_a_disposition: 0, deja: 2 });
    const renvoi = await atmp(['notifications', 'send', '--annee', String(ANNEE), '--json']);
    expect(JSON.parse(renvoi.stdout)).toMatchObject({ envoyees_ce_passage: 0, envoyees: 2, avis: 2 });
    expect(readdirSync(join(outDir, 'outbox', String(ANNEE))).sort()).toEqual(avis);
  });

  it('lien prints a single-use link for a recipient; a company of a group with a mandate is sent to its head', async () => {
    const r = await atmp(['compte', 'lien', TETE]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^http:\/\/localhost:8080\/connexion\/lien\?jeton=[\w-]{43}$/);
    const m = await atmp(['compte', 'lien', '300000007']);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('tête du groupe');
    expect(m.stderr).toContain(TETE);
    expect((await atmp(['compte', 'lien', '12345'])).code).toBe(2);
  });

  it('notifications status shows the ledger’s dates', async () => {
    const r = await atmp(['notifications', 'status', '--annee', String(ANNEE), '--dates']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compte en ligne : 2 mises à disposition, 0 consultées');
    expect(r.stdout).toMatch(new RegExp(`${TETE} .*mise à disposition le \\d{4}-\\d{2}-\\d{2}, consultée jamais ; non consultée, réputée notifiée le \\d{4}-\\d{2}-\\d{2} au plus tard`));
    const j = JSON.parse((await atmp(['notifications', 'status', '--annee', String(ANNEE), '--json'])).stdout);
    expect(j.compte_en_ligne).toHaveLength(2);
    expect(j.compte_en_ligne[0]).toMatchObject({ etat: 'en_attente', notifiee_le: null });
  });
});

describe('atmp serveur', () => {
  it('--help documents the port', async () => {
    const r = await atmp(['serveur', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--port <N>');
    expect(r.stdout).toContain('SIGTERM');
  });

  it('serves the link of `compte agent`, logs one JSON line per request, stops cleanly on SIGTERM', async () => {
    const agent = await atmp(['compte', 'agent', 'agent@carsat.example.fr']);
    expect(agent.code).toBe(0);
    const lien = agent.stdout.trim();
    const child = spawn(process.execPath, [BIN, 'serveur', '--port', '0'], { cwd: ROOT, env: { ...process.env, ATMP_OUT_DIR: outDir, ATMP_SMTP_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    const fin = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    const adresse = await new Promise<string>((res, rej) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /atmp serveur : (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) res(m[1]);
      });
      child.on('close', () => rej(new Error(`serveur arrêté : ${stderr}`)));
    });
    const page = await fetch(`${adresse}${new URL(lien).pathname}${new URL(lien).search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Se connecter');
    expect((await fetch(`${adresse}/compte`, { redirect: 'manual' })).status).toBe(303);
    child.kill('SIGTERM');
    expect(await fin).toBe(0);
    const lignes = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const requetes = lignes.filter((l) => l.msg === 'requête');
    expect(requetes.map((l) => [l.methode, l.chemin, l.statut])).toEqual([['GET', '/connexion/lien', 200], ['GET', '/compte', 303]]);
    expect(stdout).not.toContain('jeton=');
    expect(lignes.at(-1).msg).toBe('arrêté');
  }, 60_000);
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT } from './helpers/cli.ts';
import { register } from '../cli/commands/ingest-referentiel.ts';

const ref = (f: string) => join(ROOT, 'test', 'fixtures', 'referentiel', f);
const sin = (f: string) => join(ROOT, 'test', 'fixtures', 'sinistres', f);
const tmp = mkdtempSync(join(tmpdir(), 'atmp-ingest-cli-'));
const saved = { DATABASE_URL: process.env.DATABASE_URL, ATMP_DATA_DIR: process.env.ATMP_DATA_DIR, ATMP_OUT_DIR: process.env.ATMP_OUT_DIR };
let db: TestDb | undefined;

beforeAll(async () => {
  // the commands open the database of the environment: a throw-away PostgreSQL database, or a PGlite folder
  if (process.env.DATABASE_URL) {
    db = await testDb();
    process.env.DATABASE_URL = db.url;
  } else process.env.ATMP_DATA_DIR = join(tmp, 'db');
  process.env.ATMP_OUT_DIR = join(tmp, 'out');
});
afterAll(async () => {
  Object.assign(process.env, saved);
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  await db?.drop();
});
afterEach(() => {
  process.exitCode = undefined;
});

async function run(...args: string[]) {
  const program = new Command('atmp').exitOverride();
  register(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    await program.parseAsync(['node', 'atmp', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, out, err };
}

describe('atmp ingest', () => {
  it('reuses an existing `ingest` parent command (ingest dsn registered elsewhere)', () => {
    const program = new Command('atmp');
    program.command('ingest').command('dsn');
    register(program);
    expect(program.commands.filter((c) => c.name() === 'ingest')).toHaveLength(1);
    expect(program.commands[0].commands.map((c) => c.name())).toEqual(['dsn', 'referentiel', 'sinistres']);
  });

  it('ingest referentiel: loads the files, exits 0; a bad file exits 1 with file:line (column)', async () => {
    const ok = await run('ingest', 'referentiel', '--annee', '2026', ref('etablissements.csv'), ref('groupes.csv'), ref('entreprises.csv'));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/groupes\.csv: 2 lignes chargées \(groupes, import n° \d+\)/);
    expect(ok.out).toMatch(/etablissements\.csv: 6 lignes chargées \(établissements/);
    const ko = await run('ingest', 'referentiel', ref('taux-notifies.csv'), join(tmp, 'absent.csv'));
    expect(ko.code).toBe(1);
    expect(ko.out).toMatch(/taux-notifies\.csv: 4 lignes chargées/);
    expect(ko.err).toMatch(/absent\.csv: illisible \(ENOENT\)/);
  });

  it('ingest sinistres: rejects reported and nothing applied, exit 1; --partial applies the valid rows', async () => {
    const ko = await run('ingest', 'sinistres', sin('extrait-avec-rejets.csv'));
    expect(ko.code).toBe(1);
    expect(ko.out).toMatch(/13 lignes, rien n'a été chargé \(2 versions valides\)/);
    expect(ko.err).toMatch(/extrait-avec-rejets\.csv:3 \(siret\): SIRET 12345678200011/);
    expect(ko.err).toMatch(/relancez avec --partial/);
    expect(readdirSync(join(tmp, 'out', 'rejets'))).toHaveLength(1);
    const partiel = await run('ingest', 'sinistres', '--partial', sin('extrait-avec-rejets.csv'));
    expect(partiel.code).toBe(1);
    expect(partiel.out).toMatch(/2 versions chargées/);
    const propre = await run('ingest', 'sinistres', sin('extrait-2023-09.csv'));
    expect(propre).toMatchObject({ code: 0, err: '' });
  });
});

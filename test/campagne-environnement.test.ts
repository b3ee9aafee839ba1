/**
 * Honest exits: configuration and environment errors are one French line with exit code 78, never an internal
 * error with stack traces; internal errors never print the SQL statement; a failed write leaves no temporary
 * file; the configuration is validated in one place (never NaN).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers/cli.ts';
import { testDb } from './helpers/db.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { ecrireAtomique } from '../lib/fichiers.ts';
import { messageSansSql } from '../lib/erreurs-environnement.ts';
import { celluleExport, neutraliserCellule } from '../lib/csv.ts';

const pg = process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL) : undefined;

describe('configuration', () => {
  it('refuses a bad value with a clear error instead of NaN or a silent default', () => {
    expect(() => loadConfig({ ATMP_PROGRESS_INTERVAL_MS: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ ATMP_PROGRESS_INTERVAL_MS: 'abc' })).toThrow(/ATMP_PROGRESS_INTERVAL_MS="abc" invalide/);
    expect(() => loadConfig({ ATMP_DSN_LECTEURS: '-1' })).toThrow(/ATMP_DSN_LECTEURS/);
    expect(() => loadConfig({ ATMP_QUIET: 'peut-être' })).toThrow(/ATMP_QUIET/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root@localhost/atmp' })).toThrow(/mysql:\/\/ non prise en charge/);
    expect(loadConfig({ ATMP_ATTENTE_VERROU_S: '30', ATMP_DSN_LECTEURS: '0' })).toMatchObject({ attenteVerrouS: 30, dsnLecteurs: 0, progressIntervalMs: 5000, quiet: false });
  });

  const cas: [string, Record<string, string>, RegExp][] = [
    ['a mysql:// URL', { DATABASE_URL: 'mysql://root@localhost/atmp' }, /DATABASE_URL en mysql:\/\/ non prise en charge/],
    ['a bad number', { ATMP_PROGRESS_INTERVAL_MS: '5s' }, /ATMP_PROGRESS_INTERVAL_MS="5s" invalide/],
    ['an output folder under a file', { ATMP_OUT_DIR: '' }, /dossier ATMP_OUT_DIR=.* inutilisable : chemin impossible .*ENOTDIR/],
    ['a data folder under a file', { ATMP_DATA_DIR: '' }, /ATMP_DATA_DIR=.* inutilisable \(ENOTDIR\)/],
    ...(pg
      ? ([
          ['a wrong port', { DATABASE_URL: `postgres://${pg.username}@${pg.hostname}:1/test` }, /aucun serveur PostgreSQL n'accepte de connexion sur .*:1 /],
          ['an unknown role', { DATABASE_URL: `postgres://role_inexistant_atmp@${pg.hostname}:${pg.port || 5432}/test` }, /rôle « role_inexistant_atmp » refusé/],
          ['an unknown database', { DATABASE_URL: `postgres://${pg.username}@${pg.hostname}:${pg.port || 5432}/base_inexistante_atmp` }, /la base « base_inexistante_atmp » n'existe pas/],
        ] as [string, Record<string, string>, RegExp][])
      : []),
  ];
  it.each(cas)('%s: one French line, exit code 78', async (_nom, env, attendu) => {
    const dir = tempDir();
    const fichier = join(dir, 'un-fichier');
    writeFileSync(fichier, 'x');
    const base = { DATABASE_URL: '', ATMP_DATA_DIR: join(dir, 'db'), ATMP_QUIET: '1' };
    const e: Record<string, string> = { ...base, ...env };
    if (env.ATMP_OUT_DIR === '') e.ATMP_OUT_DIR = join(fichier, 'out');
    if (env.ATMP_DATA_DIR === '') e.ATMP_DATA_DIR = join(fichier, 'db');
    const args = env.ATMP_OUT_DIR === '' ? ['stats', 'sinistralite', '--annee', '2023', '--par', 'ctn'] : ['campagne', 'show', '--annee', '2024'];
    const r = await runCli(args, e);
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toMatch(attendu);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/erreur interne|\n\s+at /);
  });

  it('`generate --out -` is refused clearly (a region is a folder)', async () => {
    const r = await runCli(['generate', '--out', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out - : generate écrit un dossier/);
  });
});

describe('internal errors and writes', () => {
  it('an internal error message keeps the reason, never the SQL statement', async () => {
    const db = await testDb();
    try {
      const e = await db.knex('campagne').insert({ annee: 2024, statut: 'n_importe_quoi', bareme_empreinte: 'secret-de-la-requete' }).catch((x) => x);
      expect(String(e.message)).toMatch(/insert into/);
      const m = messageSansSql(e);
      expect(m).toMatch(/violates check constraint .*\(PostgreSQL 23514\)/);
      expect(m).not.toMatch(/insert into|secret-de-la-requete/);
    } finally {
      await db.drop();
    }
  });

  it('a failed write leaves no temporary file, a good one replaces the target whole', () => {
    const dir = tempDir();
    const cible = join(dir, 'rapport.html');
    ecrireAtomique(cible, 'v1');
    ecrireAtomique(cible, 'v2');
    expect(readdirSync(dir)).toEqual(['rapport.html']);
    // the target is a folder: the rename fails after the temporary file was written
    mkdirSync(join(dir, 'dossier'));
    writeFileSync(join(dir, 'dossier', 'x'), 'x');
    expect(() => ecrireAtomique(join(dir, 'dossier'), 'contenu')).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['dossier', 'rapport.html']);
    expect(existsSync(join(dir, 'dossier', 'x'))).toBe(true);
  });
});

describe('safe CSV outputs', () => {
  it('neutralises text cells that a spreadsheet would run as formulas, keeps numbers as numbers', () => {
    expect(neutraliserCellule("=CMD|' /C CALC'!A0")).toBe("'=CMD|' /C CALC'!A0");
    for (const v of ['+33 1 23', '-fichier', '@SUM(A1)', '\tx', '\rx']) expect(neutraliserCellule(v)).toBe(`'${v}`);
    for (const v of ['-1,5', '-12.25', '+3', '-1 234,5', '-0,8 %', 'texte', '', '12']) expect(neutraliserCellule(v)).toBe(v);
    expect(celluleExport('=1+1;2')).toBe('"\'=1+1;2"');
  });

});

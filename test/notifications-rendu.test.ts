/**
 * The notification PDF from pdfmake as shipped: the same data gives the same bytes whatever the clock and the thread
 * (this thread, a worker of the rendering pool), the pages hold the words of the notification where a reader
 * expects them (pdftotext), and the document info carries the validation timestamp, not the time of rendering.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, preparerCampagne, TETE } from './fixtures/notifications/campagne.ts';
import { lireDestinataires, type Destinataire } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { rendreNotification } from '../pipelines/notifications/rendu.ts';

const POPPLER = !spawnSync('pdftotext', ['-v']).error;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let db: TestDb;
let dests: Destinataire[];
let validee: Date;

beforeAll(async () => {
  db = await testDb();
  await preparerCampagne(db);
  validee = new Date((await db.knex('campagne').where({ annee: ANNEE }).first()).validee_le);
  dests = await lireDestinataires(db.knex, ANNEE, notificationsConfig({}), validee);
}, 120_000);
afterAll(async () => db?.drop());

describe('notification PDF (pdfmake as shipped)', () => {
  it('the same data renders the same bytes on another day and in a worker of the pool', async () => {
    const d = dests.find((x) => x.siren === TETE)!;
    const ici = sha(await rendreNotification(d.donnees));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2031-03-17T05:04:03Z'));
      expect(sha(await rendreNotification(d.donnees))).toBe(ici);
    } finally {
      vi.useRealTimers();
    }
    const pool = new Piscina({ filename: fileURLToPath(new URL('../pipelines/notifications/rendu-worker.mjs', import.meta.url)), minThreads: 1, maxThreads: 1 });
    try {
      const enWorker = (await pool.run(d.donnees)) as Uint8Array;
      expect(sha(enWorker)).toBe(ici);
    } finally {
      await pool.destroy();
    }
    // different data, different bytes
    expect(sha(await rendreNotification(dests.find((x) => x.siren !== TETE)!.donnees))).not.toBe(ici);
  }, 60_000);

  it.skipIf(!POPPLER)('pages hold the letter, the table and the recours, creation date = validation timestamp', async () => {
    const d = dests.find((x) => x.siren === TETE)!;
    const chemin = join(tempDir('atmp-rendu-'), 'n.pdf');
    writeFileSync(chemin, await rendreNotification(d.donnees));
    const texte = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', chemin, '-'], { encoding: 'utf8' }).replace(/\u00a0/g, ' ');
    const pages = texte.split('\f').filter((p) => p.trim());
    expect(pages.length).toBeGreaterThan(1);
    // first page: letterhead, recipient, the table of rates; every page numbered
    expect(pages[0]).toContain('Carsat Nord-Picardie');
    expect(pages[0]).toContain('Métallerie du Nord');
    expect(pages[0]).toMatch(/Taux notifiés pour 2020/);
    pages.forEach((p, i) => expect(p).toContain(`page ${i + 1} / ${pages.length}`));
    expect(texte).toContain('deux mois');
    expect(texte).toContain('Œuf & Cœur');
    const info = execFileSync('pdfinfo', ['-isodates', chemin], { encoding: 'utf8' });
    expect(info).toMatch(new RegExp(`CreationDate:\\s+${validee.toISOString().slice(0, 19)}Z`));
    expect(info).not.toMatch(/ModDate/);
  }, 60_000);
});

/**
 * The README's main command, end to end on a small region: `atmp demo` rates the latest year the shipped barème
 * can rate (2025) without a single barème error, exits 0, the outbox holds one .eml per dematerialised recipient
 * with its PDF, the report is written, and a second run changes nothing and sends nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { runCli, tempDir } from './helpers/cli.ts';
import { testDb } from './helpers/db.ts';

describe('atmp demo', () => {
  // two full demos in child processes (the second one loads nothing): longer than the default timeout on a busy machine
  it('runs the whole yearly job, then a second time without changing or sending anything', { timeout: 300_000 }, async () => {
    const dir = tempDir('atmp-demo-');
    const db = await testDb();
    const env = { ...(db.url ? { DATABASE_URL: db.url } : { DATABASE_URL: '', ATMP_DATA_DIR: join(dir, 'db') }), ATMP_OUT_DIR: join(dir, 'out') };
    await db.close();

    const premier = await runCli(['demo', '--companies', '24', '--seed', '5'], env);
    expect(premier.code, premier.stderr).toBe(0);
    expect(premier.stdout).toMatch(/rejeté : .*\.dsn:\d+: /);
    expect(premier.stdout).toMatch(/campagne 2025 calculée : \d+ sections tarifées, 0 erreur\(s\)/);
    expect(premier.stdout).toMatch(/campagne 2025 validée/);
    const outbox = join(dir, 'out', 'outbox', '2025');
    const emls = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    const envoyees = Number(/au total (\d+) envoyées/.exec(premier.stdout)![1]);
    expect(emls.length).toBe(envoyees);
    expect(emls.length).toBeGreaterThan(0);
    // the e-mail is the notice of availability (no PDF by default); the PDF is in the account and under out/notifications
    const mail = await simpleParser(readFileSync(join(outbox, emls[0])));
    expect(mail.subject).toContain('votre notification de taux AT/MP 2025 est disponible');
    expect(mail.attachments).toHaveLength(0);
    const pdfs = readdirSync(join(dir, 'out', 'notifications', '2025')).filter((f) => f.endsWith('.pdf'));
    expect(readFileSync(join(dir, 'out', 'notifications', '2025', pdfs[0])).subarray(0, 5).toString()).toBe('%PDF-');
    expect(existsSync(join(dir, 'out', 'rapports', 'campagne-2025.html'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'statistiques', 'sinistralite-2023-ctn.csv'))).toBe(true);
    // the region set against the nation with the national table shipped in reference/statistiques (no ../shared)
    expect(premier.stdout).toContain("table nationale 2024 de l'Assurance Maladie chargée : 4498 lignes");
    const ctnNaf = readFileSync(join(dir, 'out', 'statistiques', 'sinistralite-2023-ctn-naf.csv'), 'utf8');
    expect(ctnNaf).toContain('# Comparaison nationale : table nationale 2024 : pas de table 2023 chargée, année chargée la plus proche');
    expect(ctnNaf).toContain(`CTN;Libellé du CTN;Code NAF;Libellé du code NAF;Code NAF2`);
    expect(readFileSync(join(dir, 'out', 'rapports', 'campagne-2025.html'), 'utf8')).toContain('région 2023, nation 2024');
    // the online account: notifications made available, the server command and a sign-in link for one headquarters
    expect(premier.stdout).toMatch(/7\. compte en ligne : [1-9]\d* notification\(s\) à disposition/);
    expect(premier.stdout).toContain('npx atmp serveur --port 8080');
    expect(premier.stdout).toMatch(/lien de connexion de .* : http:\/\/localhost:8080\/connexion\/lien\?jeton=[\w-]{43}\n/);

    const second = await runCli(['demo', '--companies', '24', '--seed', '5'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/déjà validée/);
    expect(second.stdout).not.toContain("de l'Assurance Maladie chargée"); // already loaded: not loaded again
    expect(second.stdout).toMatch(/ce passage : 0 PDF rendus, 0 envoyées/);
    expect(second.stdout).toMatch(/7\. compte en ligne : [1-9]\d* notification\(s\) à disposition/);
    expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toEqual(emls);
    await db.drop();
  });
});

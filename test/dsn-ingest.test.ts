import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { testDb, type TestDb } from './helpers/db.ts';
import { ROOT, tempDir } from './helpers/cli.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { ingererDsn } from '../pipelines/ingest-dsn/load.ts';
import { vueEtablissement } from '../pipelines/ingest-dsn/etablissement.ts';
import { texteDsn, type DeclarationSpec, type EnvoiSpec, type IndividuSpec } from '../pipelines/ingest-dsn/synthetique.ts';

const SAMPLES = join(ROOT, '..', 'shared', 'dsn-samples');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'dsn');

let db: TestDb;
let dir: string;
beforeAll(async () => {
  db = await testDb();
  dir = tempDir('atmp-dsn-');
});
afterAll(async () => {
  await db?.drop();
});

let n = 0;
/** Writes a synthetic DSN file (Latin-1 bytes) and returns its path. */
function fichier(envois: EnvoiSpec[], opts: { crlf?: boolean } = {}): string {
  const p = join(dir, `f${++n}.dsn`);
  writeFileSync(p, iconv.encode(texteDsn(envois, opts), 'win1252'));
  return p;
}
function etab(prefix: string) {
  const siren = avecCleLuhn(prefix);
  const siret = avecCleLuhn(siren + '0001');
  return { siren, nic: siret.slice(9), siret };
}
const temps_plein = (debut = '01012020', extra: Partial<IndividuSpec['contrats'][number]> = {}) => ({ debut, ...extra });
const decl = (e: { siren: string; nic: string }, mois: string, individus: IndividuSpec[], extra: Partial<DeclarationSpec> = {}): DeclarationSpec => ({
  siren: e.siren,
  nic: e.nic,
  mois,
  individus,
  ...extra,
});
const moisDe = async (siret: string) => Object.fromEntries((await vueEtablissement(db.knex, siret)).mois.map((m) => [m.mois, m]));

describe('DSN files written for the tests (test/fixtures/dsn, from the norm)', () => {
  const fx = (f: string) => join(FIXTURES, f);
  it('April A&R (type 03) carrying régularisations: current month, Jan–Mar on their own months, effectif, hours, code risque', async () => {
    const r = await ingererDsn(db, [fx('2023-04-annule-remplace-regularisations.dsn')]);
    expect(r.rejetes).toBe(0);
    expect(r.charges).toBe(1);
    expect(r.declarations_retenues).toBe(1);
    const m = await moisDe('40404040400018');
    // base 03 only (not 02 nor 07), professionnalisation contract counted (R130-1 III), 53 hours under 51 type 002
    expect(m['2023-04']).toMatchObject({ masse_salariale: '1250', effectif: '1', heures: '151.67', codes_risque: ['741GB'], taux_at: { '741GB': '0.90' } });
    expect([m['2023-01'].masse_salariale, m['2023-02'].masse_salariale, m['2023-03'].masse_salariale]).toEqual(['80', '-40', '15.5']);
    expect(m['2023-01'].effectif).toBeNull();
  });
  it('June file (CR LF): negative régularisations cancel April’s, a second employee hired in May', async () => {
    const r = await ingererDsn(db, [fx('2023-06-regularisations-negatives.dsn')]);
    expect(r.charges).toBe(1);
    const m = await moisDe('40404040400018');
    expect([m['2023-01'].masse_salariale, m['2023-02'].masse_salariale, m['2023-03'].masse_salariale]).toEqual(['0', '-40', '0']);
    expect(m['2023-06']).toMatchObject({ masse_salariale: '2550', effectif: '2', heures: '303.34' });
  });
  it('lot-wrapped file of three envois of nature 07: read, checked, skipped, no fact; unknown ids and mojibake only warn', async () => {
    const r = await ingererDsn(db, [fx('lot-trois-envois-nature-07.dsn')]);
    expect(r.charges).toBe(1);
    expect(r.fichiers[0].ignorees.map((i) => i.motif)).toEqual(Array(3).fill('nature 07 (seule la nature 01, mensuelle, est retenue)'));
    expect(r.declarations_retenues).toBe(0);
    const faits = await db.knex('dsn_fait_mensuel').where('siren', '505050500').count<{ count: number }[]>({ count: '*' });
    expect(Number(faits[0].count)).toBe(0);
    expect(r.fichiers[0].avertissements.some((a) => a.includes('S10.G00.95'))).toBe(true);
  });
  it('a byte-identical file already ingested is a reported no-op', async () => {
    const copie = join(dir, 'copie-fixture.dsn');
    copyFileSync(fx('2023-04-annule-remplace-regularisations.dsn'), copie);
    const r = await ingererDsn(db, [copie]);
    expect(r.deja_charges).toBe(1);
    expect(r.fichiers[0].raison).toContain('déjà chargé');
    expect((await moisDe('40404040400018'))['2023-04'].masse_salariale).toBe('1250');
  });
});

// Optional: the public samples, when the ../shared folder is present next to the project.
const HAS_SAMPLES = existsSync(SAMPLES);
if (!HAS_SAMPLES) console.info(`dsn-ingest : ${SAMPLES} absent, tests des échantillons publics sautés (les fixtures de test/fixtures/dsn couvrent les mêmes cas)`);
const SKIP = HAS_SAMPLES ? '' : ' [sauté : ../shared/dsn-samples absent]';
describe('public samples (optional, ../shared/dsn-samples)', () => {
  it.skipIf(!HAS_SAMPLES)(`April 2019 A&R file: current month, régularisations on Jan–Mar, effectif, hours, code risque${SKIP}`, async () => {
    const r = await ingererDsn(db, [join(SAMPLES, '02_teledsn_2019-04_type03_annule-remplace_REDACTED.dsn')]);
    expect(r.charges).toBe(1);
    expect(r.declarations_retenues).toBe(1);
    const m = await moisDe('39178324800068');
    expect(m['2019-04']).toMatchObject({ masse_salariale: '1210.24', effectif: '1', heures: '151.67', codes_risque: ['741GB'], taux_at: { '741GB': '0.90' } });
    expect(m['2019-01'].masse_salariale).toBe('1254.93');
    expect(m['2019-02'].masse_salariale).toBe('1210.24');
    expect(m['2019-03'].masse_salariale).toBe('1210.24');
    expect(m['2019-01'].effectif).toBeNull();
  });
  it.skipIf(!HAS_SAMPLES)(`June 2019 file: negative régularisations cancel April’s${SKIP}`, async () => {
    await ingererDsn(db, [join(SAMPLES, '03_teledsn_2019-06_negative-regularisations_REDACTED.dsn')]);
    const m = await moisDe('39178324800068');
    expect(m['2019-01'].masse_salariale).toBe('0');
    expect(m['2019-03'].masse_salariale).toBe('0');
    expect(m['2019-06']).toMatchObject({ masse_salariale: '5260.51', effectif: '2', heures: '303.34' });
  });
  it.skipIf(!HAS_SAMPLES)(`lot-wrapped file: 3 declarations of nature 07 skipped, no fact${SKIP}`, async () => {
    const r = await ingererDsn(db, [join(SAMPLES, '01_open-neodes_sample_dsn_P25V01.dsn')]);
    expect(r.charges).toBe(1);
    expect(r.fichiers[0].ignorees.map((i) => i.motif)).toEqual(Array(3).fill('nature 07 (seule la nature 01, mensuelle, est retenue)'));
    expect(r.declarations_retenues).toBe(0);
    const faits = await db.knex('dsn_fait_mensuel').where('siren', '987654321').count<{ count: number }[]>({ count: '*' });
    expect(Number(faits[0].count)).toBe(0);
    expect(r.fichiers[0].avertissements.some((a) => a.includes('S10.G00.95'))).toBe(true);
  });
});

describe('annule et remplace', () => {
  const e = etab('11111111');
  it('an A&R replaces the original, régularisations included; an older version never replaces a newer one', async () => {
    const original = fichier([{ declarations: [decl(e, '022025', [{ contrats: [temps_plein()], bases: [{ debut: '01022025', montant: '2000.00' }, { debut: '01012025', montant: '150.00' }] }], { numero: '0', constitution: '05032025' })] }]);
    const ar = fichier([{ declarations: [decl(e, '022025', [{ contrats: [temps_plein()], bases: [{ debut: '01022025', montant: '2100.00' }] }], { type: '03', numero: '1', constitution: '06032025' })] }]);
    const ar2 = fichier([{ declarations: [decl(e, '022025', [{ contrats: [temps_plein()], bases: [{ debut: '01022025', montant: '2200.00' }, { debut: '01122024', montant: '-10.00' }] }], { type: '03', numero: '2', constitution: '07032025' })] }]);
    let r = await ingererDsn(db, [original]);
    expect(r.declarations_retenues).toBe(1);
    expect((await moisDe(e.siret))['2025-01'].masse_salariale).toBe('150');
    // the second A&R arrives before the first one: the first one, older, must not take its place
    r = await ingererDsn(db, [ar2]);
    expect(r.declarations_remplacees).toBe(1);
    r = await ingererDsn(db, [ar]);
    expect(r.declarations_retenues).toBe(0);
    expect(r.declarations_remplacees).toBe(1);
    const m = await moisDe(e.siret);
    expect(m['2025-02'].masse_salariale).toBe('2200');
    expect(m['2025-01']).toBeUndefined(); // the original's régularisation left with it
    expect(m['2024-12'].masse_salariale).toBe('-10');
    const ledger = await db.knex('dsn_declaration').where('siret', e.siret).orderBy('id').select('type', 'numero_ordre', 'statut', 'remplacee_par', 'id');
    expect(ledger.map((l) => l.statut)).toEqual(['remplacee', 'retenue', 'remplacee']);
    expect(ledger[0].remplacee_par).toBe(ledger[1].id);
    expect(ledger[2].remplacee_par).toBe(ledger[1].id);
  });
  it('an A&R and its original in the same file; a second normale is set aside', async () => {
    const e2 = etab('22222222');
    const f = fichier([
      { declarations: [decl(e2, '032025', [{ contrats: [temps_plein()], bases: [{ debut: '01032025', montant: '100.00' }] }])] },
      { declarations: [decl(e2, '032025', [{ contrats: [temps_plein()], bases: [{ debut: '01032025', montant: '300.00' }] }], { type: '03', numero: '1', constitution: '06042025' })] },
      { declarations: [decl(e2, '032025', [{ contrats: [temps_plein()], bases: [{ debut: '01032025', montant: '999.00' }] }], { type: '01', numero: '2', constitution: '07042025' })] },
    ]);
    const r = await ingererDsn(db, [f]);
    expect(r.declarations_retenues).toBe(1);
    expect(r.declarations_remplacees).toBe(1);
    expect(r.fichiers[0].ignorees[0].motif).toContain('seconde déclaration normale');
    expect((await moisDe(e2.siret))['2025-03'].masse_salariale).toBe('300');
  });
  it('the same declaration in another file (other envoi) is a duplicate, not a new version', async () => {
    const e3 = etab('33333333');
    const d = decl(e3, '042025', [{ contrats: [temps_plein()], bases: [{ debut: '01042025', montant: '500.00' }] }]);
    await ingererDsn(db, [fichier([{ declarations: [d] }])]);
    const r = await ingererDsn(db, [fichier([{ declarations: [decl(e3, '042025', [], { nic: etab('44444444').nic, siren: etab('44444444').siren })] }, { declarations: [d] }])]);
    expect(r.charges).toBe(1);
    expect(r.fichiers[0].ignorees.map((i) => i.motif)).toEqual(['déclaration identique déjà chargée (doublon)']);
    expect((await moisDe(e3.siret))['2025-04'].masse_salariale).toBe('500');
  });
});

describe('facts and effectif (CSS R130-1)', () => {
  it('multi-envoi, multi-declaration file; test envoi and other natures skipped; régime général only', async () => {
    const a = etab('55555555');
    const b = { siren: a.siren, nic: avecCleLuhn(a.siren + '0002').slice(9), siret: avecCleLuhn(a.siren + '0002') };
    const f = fichier([
      {
        declarations: [
          decl(a, '052025', [
            { contrats: [temps_plein()], bases: [{ debut: '01052025', montant: '1000.50' }], heures: '151.67' },
            // MSA contract (régime 300): out of scope
            { contrats: [temps_plein('01012020', { regime: '300', codeRisque: 'RA001' })], bases: [{ debut: '01052025', montant: '9999.00' }], heures: '10.00' },
          ]),
          decl(b, '052025', [{ contrats: [temps_plein('01012020', { codeRisque: '602MDB', taux: '01.10' })], bases: [{ debut: '01052025', montant: '2000.00' }] }]),
        ],
      },
      { test: true, declarations: [decl(a, '062025', [{ contrats: [temps_plein()], bases: [{ debut: '01062025', montant: '7.00' }] }])] },
      { declarations: [decl(a, '052025', [{ contrats: [temps_plein()], bases: [{ debut: '01052025', montant: '5.00' }] }], { nature: '07' })] },
    ]);
    const r = await ingererDsn(db, [f]);
    expect(r.declarations_retenues).toBe(2);
    expect(r.fichiers[0].ignorees.map((i) => i.motif)).toEqual(['envoi de test (S10.G00.00.005 = 01)', 'nature 07 (seule la nature 01, mensuelle, est retenue)']);
    const ma = await moisDe(a.siret);
    expect(Object.keys(ma)).toEqual(['2025-05']);
    expect(ma['2025-05']).toMatchObject({ masse_salariale: '1000.5', effectif: '1', heures: '151.67', codes_risque: ['741GB'] });
    expect((await moisDe(b.siret))['2025-05']).toMatchObject({ masse_salariale: '2000', codes_risque: ['602MDB'], taux_at: { '602MDB': '1.10' } });
  });
  it('part time, arrival mid-month, departure, apprentice, replacement CDD, stage', async () => {
    const e = etab('66666666');
    const f = fichier([
      {
        declarations: [
          decl(e, '062025', [
            // R130-1 example: from the 16th of a 30-day month at 80 % → 15/30 × 0.8 = 0.40
            { contrats: [{ debut: '16062025', modalite: '20', reference: '35.00', quotite: '28.00' }] },
            // half time all month → 0.5
            { contrats: [{ debut: '01012024', modalite: '20', reference: '151.67', quotite: '75.835' }] },
            // apprentice, counted for AT/MP (R130-1 III) → 1
            { contrats: [{ debut: '01092024', nature: '02', dispositif: '64' }] },
            // leaves on 10 June → 10/30
            { contrats: [{ debut: '01012020', fin: '10062025' }] },
            // CDD replacing an absent employee: left out (R130-1 II)
            { contrats: [{ debut: '01062025', nature: '02', motif: '01' }] },
            // stage: not an employment contract
            { contrats: [{ debut: '01062025', nature: '29' }] },
          ]),
        ],
      },
    ]);
    await ingererDsn(db, [f]);
    const m = await moisDe(e.siret);
    // 0.4 + 0.5 + 1 + 1/3
    expect(m['2025-06'].effectif!.slice(0, 12)).toBe('2.2333333333');
    const v = await vueEtablissement(db.knex, e.siret);
    expect(v.annees[0].effectif_entreprise).toBe('2.23');
  });
  it('company effectif: average over the SIREN establishments, months without employee left out, truncated', async () => {
    const a = etab('77777777');
    const b = { siren: a.siren, nic: avecCleLuhn(a.siren + '0002').slice(9), siret: avecCleLuhn(a.siren + '0002') };
    const un = { contrats: [{ debut: '01012020' }] };
    const f = fichier([
      {
        declarations: [
          decl(a, '012025', [un]),
          decl(a, '022025', [un]),
          decl(a, '032025', [un, un]),
          decl(a, '042025', [{ contrats: [{ debut: '01012020', fin: '31032025' }] }]), // nobody employed in April
          decl(b, '012025', [{ contrats: [{ debut: '01012020', modalite: '20', reference: '3.00', quotite: '1.00' }] }]),
        ],
      },
    ]);
    await ingererDsn(db, [f]);
    const v = await vueEtablissement(db.knex, a.siret);
    // (1 + 1/3) + 1 + 2 over 3 months = 1.444… → 1.44
    expect(v.annees).toEqual([expect.objectContaining({ annee: 2025, effectif_entreprise: '1.44', mois_retenus_entreprise: 3, effectif_etablissement: '1.33' })]);
    expect(v.mois.find((m) => m.mois === '2025-04')!.effectif).toBe('0');
  });
  it('CRLF line ends, apostrophes and Latin-1 letters in values', async () => {
    const e = etab('88888888');
    const f = fichier([{ declarations: [decl(e, '072025', [{ nom: "L'HÔPITAL D'ÉTÉ", contrats: [temps_plein()], bases: [{ debut: '01072025', montant: '1234.56' }] }], { adresse: "12 RUE DE L'ÉGLISE 'BIS'" })] }], { crlf: true });
    expect(readFileSync(f, 'latin1')).toContain("L'ÉGLISE 'BIS''\r\n");
    const r = await ingererDsn(db, [f]);
    expect(r.rejetes).toBe(0);
    expect((await moisDe(e.siret))['2025-07'].masse_salariale).toBe('1234.56');
  });
  it('the NIR never reaches the database', async () => {
    const e = etab('99999999');
    const nir = '2850375123456';
    await ingererDsn(db, [fichier([{ declarations: [decl(e, '082025', [{ nir, contrats: [temps_plein()], bases: [{ debut: '01082025', montant: '1.00' }] }])] }])]);
    for (const t of ['dsn_declaration', 'dsn_fait_mensuel', 'dsn_fait_risque', 'dsn_fichier']) {
      const rows = await db.knex(t).select('*');
      expect(JSON.stringify(rows)).not.toContain(nir);
    }
  });
});

describe('rejected files contribute nothing, the others load', () => {
  const e = etab('12121212');
  const bon = () => texteDsn([{ declarations: [decl(e, '092025', [{ contrats: [temps_plein()], bases: [{ debut: '01092025', montant: '100.00' }] }])] }]);
  const cases: [string, (t: string) => string, RegExp][] = [
    ['broken line', (t) => t.replace("S21.G00.30.002,'D'ARTAGNAN'", 'S21.G00.30.002,DARTAGNAN'), /:\d+: ligne mal formée/],
    ['bad S90 count', (t) => t.replace(/S90\.G00\.90\.001,'\d+'/, "S90.G00.90.001,'3'"), /S90\.G00\.90\.001 : 3 enregistrements annoncés/],
    ['truncated envoi', (t) => t.slice(0, t.indexOf('S90.G00.90.001')), /envoi tronqué/],
    ['impossible date', (t) => t.replace("S21.G00.78.002,'01092025'", "S21.G00.78.002,'31092025'"), /S21\.G00\.78\.002 : date impossible/],
    ['impossible amount', (t) => t.replace("S21.G00.78.004,'100.00'", "S21.G00.78.004,'100,00'"), /S21\.G00\.78\.004 : montant invalide/],
    ['masse salariale of 10^26', (t) => t.replace("S21.G00.78.004,'100.00'", "S21.G00.78.004,'100000000000000000000000000.00'"), /S21\.G00\.78\.004 : montant invalide \(format -\?9\.99, au plus 12 chiffres avant le point\)/],
    ['31 February in S21.G00.51.002', (t) => t.replace("S21.G00.51.002,'30092025'", "S21.G00.51.002,'31022025'"), /S21\.G00\.51\.002 : date impossible/],
    ['31 February in S21.G00.50.001', (t) => t.replace("S21.G00.50.001,'28092025'", "S21.G00.50.001,'31022025'"), /S21\.G00\.50\.001 : date de versement impossible/],
    ['rattachement month in 2199', (t) => t.replace("S21.G00.78.002,'01092025'", "S21.G00.78.002,'01092199'").replace("S21.G00.78.003,'30092025'", "S21.G00.78.003,'30092199'"), /S21\.G00\.78\.002 : mois de rattachement 2199-09 postérieur au mois déclaré 2025-09/],
    ['NUL byte in a value', (t) => t.replace("S21.G00.30.004,'JEAN'", "S21.G00.30.004,'JE\u0000AN'"), /:\d+: caractère de contrôle U\+0000 dans la ligne \(S21\.G00\.30\.004\)/],
    ['unknown rubrique', (t) => t.replace("S21.G00.78.004,'100.00'", "S21.G00.78.000,'100.00'"), /:\d+: S21\.G00\.78\.000 : rubrique inconnue de la norme NEODeS/],
    ['S90 count with a leading space', (t) => t.replace(/S90\.G00\.90\.001,'(\d+)'/, "S90.G00.90.001,' $1'"), /S90\.G00\.90\.001 : valeur invalide \(nombre entier, chiffres seuls, sans espace\)/],
    ['APET not in the NAF format', (t) => t.replace("S21.G00.11.002,'4321A'", "S21.G00.11.002,'=CMD|'/C CALC'!A0'"), /S21\.G00\.11\.002 : code APET invalide \(code NAF NNNNX attendu\)/],
    ['bad SIRET key', (t) => t.replace(`S21.G00.11.001,'${e.nic}'`, `S21.G00.11.001,'${String((+e.nic + 1) % 100000).padStart(5, '0')}'`), /clé de contrôle/],
  ];
  for (const [nom, casse, attendu] of cases) {
    it(nom, async () => {
      const mauvais = join(dir, `mauvais-${nom.replace(/\W/g, '_')}.dsn`);
      const texte = casse(bon());
      expect(texte).not.toBe(bon());
      writeFileSync(mauvais, iconv.encode(texte, 'win1252'));
      const autre = etab(String(30000000 + cases.findIndex((c) => c[0] === nom)));
      const ok = fichier([{ declarations: [decl(autre, '092025', [{ contrats: [temps_plein()], bases: [{ debut: '01092025', montant: '42.00' }] }])] }]);
      const r = await ingererDsn(db, [mauvais, ok]);
      expect(r.rejetes).toBe(1);
      expect(r.charges).toBe(1);
      expect(r.fichiers[0].raison).toMatch(new RegExp(`^${mauvais.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
      expect(r.fichiers[0].raison).toMatch(attendu);
      expect(r.fichiers[0].raison).not.toContain('ARTAGNAN');
      const n = await db.knex('dsn_declaration').where('siren', e.siren).count<{ c: number }[]>({ c: '*' });
      expect(Number(n[0].c)).toBe(0);
      expect((await moisDe(autre.siret))['2025-09'].masse_salariale).toBe('42');
    });
  }
  it('the fixture files of test/fixtures/dsn', async () => {
    const r = await ingererDsn(db, [join(FIXTURES, 'mal-forme-apostrophe.dsn')]);
    expect(r.rejetes).toBe(1);
    expect(r.fichiers[0].raison).toMatch(/mal-forme-apostrophe\.dsn:4: ligne mal formée/);
  });
});

describe('etablissement', () => {
  it('unknown or malformed SIRET', async () => {
    await expect(vueEtablissement(db.knex, '12345678901234')).rejects.toThrow(/clé de contrôle/);
    await expect(vueEtablissement(db.knex, '1234')).rejects.toThrow(/14 chiffres/);
    await expect(vueEtablissement(db.knex, avecCleLuhn('9876543210001'))).rejects.toThrow(/inconnu/);
  });
});

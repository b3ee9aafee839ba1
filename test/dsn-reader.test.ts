import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { tempDir } from './helpers/cli.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { DsnError, dateDsn, lireFichierDsn } from '../pipelines/ingest-dsn/reader.ts';
import { lignesEnvoi, texteDsn } from '../pipelines/ingest-dsn/synthetique.ts';
import { etpContrat, joursSousContrat, joursDuMois } from '../rules/effectif-mensuel.ts';

const dir = tempDir('atmp-dsn-reader-');
let n = 0;
const ecrire = (texte: string | Buffer) => {
  const p = join(dir, `r${++n}.dsn`);
  writeFileSync(p, typeof texte === 'string' ? iconv.encode(texte, 'win1252') : texte);
  return p;
};
const siren = avecCleLuhn('24681357');
const nic = avecCleLuhn(siren + '0001').slice(9);
const base = () => lignesEnvoi({ declarations: [{ siren, nic, mois: '012025', individus: [{ contrats: [{ debut: '01012020' }], bases: [{ debut: '01012025', montant: '10.00' }] }] }] });
/** Rebuilds an envoi with its S90 count fixed after editing the lines. */
const avecS90 = (lignes: string[]) => {
  const corps = lignes.filter((l) => !l.startsWith('S90'));
  return [...corps, `S90.G00.90.001,'${corps.length + 2}'`, `S90.G00.90.002,'1'`].join('\n') + '\n';
};
const rejet = async (p: string) => {
  try {
    await lireFichierDsn(p);
  } catch (e) {
    expect(e).toBeInstanceOf(DsnError);
    return e as DsnError;
  }
  throw new Error('file accepted');
};

describe('DSN reader', () => {
  it('refuses an unknown rubrique of a known block on its own line, and a line far beyond the norm', async () => {
    const l = base();
    const i = l.findIndex((x) => x.startsWith('S21.G00.11.003'));
    l.splice(i + 1, 0, "S21.G00.11.000,'X'");
    const e = await rejet(ecrire(avecS90(l)));
    expect(e.line).toBe(i + 2);
    expect(e.message).toBe('S21.G00.11.000 : rubrique inconnue de la norme NEODeS (numéro 000)');
    const l2 = base();
    l2.splice(i + 1, 0, `S21.G00.11.005,'${'A'.repeat(5000)}'`);
    expect((await rejet(ecrire(avecS90(l2)))).message).toMatch(/^S21\.G00\.11\.005 : ligne de 5017 caractères \(la norme en admet 256, au plus 1024 tolérés\)/);
  });

  it('tolerates unknown blocks and rubriques beyond 099 (warned), warns on long lines, keeps nesting (30 40 40 30 40)', async () => {
    const l = base();
    const i = l.findIndex((x) => x.startsWith('S21.G00.11.003'));
    l.splice(i + 1, 0, "S21.G00.11.904,'X'", "S20.G00.96.001,'Y'", `S21.G00.11.005,'${'A'.repeat(300)}'`);
    const r = await lireFichierDsn(ecrire(avecS90(l)));
    expect(r.declarations[0].faits).toEqual([{ mois: '2025-01-01', masse: '10', heures: '0', effectif: '1' }]);
    expect(r.avertissements.map((a) => a.message)).toEqual(['rubrique S21.G00.11.904 hors de la norme NEODeS, tolérée et ignorée', 'bloc inconnu S20.G00.96 toléré et ignoré', 'ligne de plus de 256 caractères']);

    const two = texteDsn([{ declarations: [{ siren, nic, mois: '012025', individus: [
      { contrats: [{ debut: '01012020', numero: '1' }, { debut: '01012020', numero: '2', regime: '300' }], bases: [{ debut: '01012025', montant: '5.00', contrat: '2' }, { debut: '01012025', montant: '7.00', contrat: '1' }] },
      { contrats: [{ debut: '16012025', numero: '1' }], bases: [{ debut: '01012025', montant: '3.00' }] },
    ] }] }]);
    const r2 = await lireFichierDsn(ecrire(two));
    // 7 (contract 1, régime général) + 3; effectif 1 + 16/31
    expect(r2.declarations[0].faits[0].masse).toBe('10');
    expect(r2.declarations[0].faits[0].effectif!.slice(0, 8)).toBe('1.516129');
  });
  it('decodes Windows-1252 bytes and never fails on the U+FFFD mojibake of sample 01', async () => {
    const l = base();
    const txt = avecS90(l).replace("1 RUE DE L'ÉGLISE", 'X\u20ac\u2019\u0153é\ufffd');
    const buf = Buffer.concat([iconv.encode(txt.split('\ufffd')[0], 'win1252'), Buffer.from([0xef, 0xbf, 0xbd]), iconv.encode(txt.split('\ufffd')[1], 'win1252')]);
    expect(buf.includes(Buffer.from([0x80, 0x92, 0x9c, 0xe9]))).toBe(true);
    const r = await lireFichierDsn(ecrire(buf));
    expect(r.declarations).toHaveLength(1);
  });
  it('rejects records outside an envoi, after S90, an empty file, a structure error', async () => {
    expect((await rejet(ecrire("S20.G00.05.001,'01'\n"))).message).toContain("hors d'un envoi");
    expect((await rejet(ecrire(avecS90(base()) + "S21.G00.30.001,'1'\n"))).message).toContain('après le total S90');
    expect((await rejet(ecrire(''))).message).toContain('aucun envoi');
    const l = base();
    l.splice(l.findIndex((x) => x.startsWith('S21.G00.06.001')), 0, "S21.G00.40.001,'01012020'");
    const e = await rejet(ecrire(avecS90(l)));
    expect(e.message).toContain('sans bloc parent S21.G00.30');
    expect(e.line).toBeGreaterThan(1);
  });
  it('dates, days and quotité', () => {
    expect(dateDsn('29022024')).toBe('2024-02-29');
    expect(dateDsn('29022025')).toBeUndefined();
    expect(dateDsn('00012025')).toBeUndefined();
    expect(joursDuMois(2024, 2)).toBe(29);
    expect(joursDuMois(1900, 2)).toBe(28);
    const c = { debut: '2025-02-10', fin: '2025-03-05', nature: '01', dispositif: '99', uniteQuotite: '10', quotiteReference: '35.00', quotite: '24.50', modalite: '20', motifRecours: '' };
    expect(joursSousContrat(c, 2025, 2)).toBe(19);
    expect(joursSousContrat(c, 2025, 3)).toBe(5);
    expect(joursSousContrat(c, 2025, 4)).toBe(0);
    expect(etpContrat(c).toFixed()).toBe('0.7');
    expect(etpContrat({ ...c, modalite: '10' }).toFixed()).toBe('1');
    expect(etpContrat({ ...c, uniteQuotite: '20' }).toFixed()).toBe('1');
  });
});

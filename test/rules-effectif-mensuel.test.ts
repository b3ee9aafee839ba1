/** The R130-1 monthly weighting of one contract (rules/effectif-mensuel.ts): value and explanation step. */
import { describe, expect, it } from 'vitest';
import { effectifMensuelContrat, etapeEffectifMensuel, motifExclusionEffectif, type ContratEffectif } from '../rules/effectif-mensuel.ts';

const cdi: ContratEffectif = {
  debut: '2020-01-06', fin: undefined, nature: '01', dispositif: '99', uniteQuotite: '10',
  quotiteReference: '151.67', quotite: '151.67', modalite: '10', motifRecours: '',
};

describe('monthly headcount of a contract (CSS R130-1 II, III)', () => {
  it('full month, full time: 1', () => {
    expect(effectifMensuelContrat(cdi, 2024, 3).valeur.toString()).toBe('1');
  });
  it('pro rata of days and of part time: from the 16th of a 30-day month at 80 % → 0.4', () => {
    const r = effectifMensuelContrat({ ...cdi, debut: '2024-04-16', modalite: '20', quotite: '121.336' }, 2024, 4);
    expect([r.valeur.toString(), r.etp.toString(), r.jours, r.joursDuMois]).toEqual(['0.4', '0.8', 15, 30]);
  });
  it('ended by block 62 mid-month; started after the month: nothing', () => {
    expect(effectifMensuelContrat({ ...cdi, fin: '2024-02-10' }, 2024, 2).valeur.toFixed(6)).toBe((10 / 29).toFixed(6));
    expect(effectifMensuelContrat({ ...cdi, debut: '2024-05-01' }, 2024, 4).valeur.toString()).toBe('0');
  });
  it('replacement CDD and intérim, stages: left out, with the reason', () => {
    for (const c of [{ ...cdi, nature: '02', motifRecours: '01' }, { ...cdi, nature: '03', motifRecours: '12' }]) {
      const r = effectifMensuelContrat(c, 2024, 3);
      expect(r.valeur.toString()).toBe('0');
      expect(r.exclusion).toMatch(/remplacement.*R130-1 II/);
    }
    expect(motifExclusionEffectif({ ...cdi, nature: '29' })).toMatch(/stage/);
    // a CDD for an increase of activity counts
    expect(effectifMensuelContrat({ ...cdi, nature: '02', motifRecours: '02' }, 2024, 3).valeur.toString()).toBe('1');
  });
  it('apprentices and contrats de professionnalisation count for AT/MP (R130-1 III), the step says why', () => {
    const app = { ...cdi, nature: '02', dispositif: '64' };
    expect(effectifMensuelContrat(app, 2024, 3).valeur.toString()).toBe('1');
    const e = etapeEffectifMensuel(app, 2024, 3);
    expect(e).toMatchObject({
      id: 'effectif_mensuel_contrat', valeur: '1', reference: expect.stringMatching(/R130-1.*2019-1586.*2020/),
      entrees: { mois: '2024-03', etp: '1', jours_sous_contrat: '31', jours_du_mois: '31', dispositif: '64' },
      note: expect.stringMatching(/R130-1 III/),
    });
  });
  it('the step of a left-out contract names the exclusion', () => {
    const e = etapeEffectifMensuel({ ...cdi, nature: '02', motifRecours: '01' }, 2024, 3);
    expect(e.regle).toMatch(/non compté.*remplacement/);
    expect(e.valeur).toBe('0');
  });
});

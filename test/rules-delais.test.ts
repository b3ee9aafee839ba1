/** rules/delais.ts: the 15 days after which a notification made available is deemed notified, the two months of recours. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ajouterJours, dateReputeeNotifiee, joursReputeeNotifiee, moisRecours } from '../rules/delais.ts';
import { ROOT } from './helpers/cli.ts';

describe('notification delays', () => {
  it('deemed notified 15 days after being made available, with its step and sources', () => {
    const d = joursReputeeNotifiee(2024);
    expect(d.valeur).toBe(15);
    expect(d.etape).toMatchObject({ id: 'reputee_notifiee', valeur: '15', entrees: { annee: '2024' } });
    expect(d.etape.reference).toMatch(/L242-5/);
    expect(d.etape.reference).toMatch(/23-70\.009/);
  });

  it('the date: calendar days, across a month and a year end', () => {
    expect(dateReputeeNotifiee(2024, '2024-12-20')).toMatchObject({ valeur: '2025-01-04', etape: { entrees: { mise_a_disposition: '2024-12-20', jours: '15' } } });
    expect(ajouterJours('2024-02-20', 15)).toBe('2024-03-06');
    expect(ajouterJours('2023-02-20', 15)).toBe('2023-03-07');
  });

  it('recours within two months (R142-1-A III)', () => {
    expect(moisRecours(2020)).toMatchObject({ valeur: 2, etape: { id: 'delai_recours', reference: 'CSS art. R142-1-A III' } });
  });

  it('a year before the rules’ domain is refused, not guessed', () => {
    expect(() => joursReputeeNotifiee(2010)).toThrow(/aucune valeur établie.*2010/);
    expect(() => moisRecours(2010)).toThrow(/aucune valeur établie.*2010/);
  });

  it('the notifications code holds no literal of its own: the SQL receives the days as a parameter', () => {
    const dossiers = ['sql/notifications', 'pipelines/notifications'];
    for (const d of dossiers) {
      for (const f of readdirSync(join(ROOT, d)).filter((x) => /\.(sql|ts)$/.test(x))) {
        const texte = readFileSync(join(ROOT, d, f), 'utf8');
        expect(texte, `${d}/${f}`).not.toMatch(/current_date\s*\+\s*\d/);
        expect(texte, `${d}/${f}`).not.toMatch(/\+\s*15\b/);
      }
    }
  });
});

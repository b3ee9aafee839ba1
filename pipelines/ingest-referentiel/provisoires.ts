/**
 * Establishments seen in the DSN but unknown to the référentiel: created provisionally from what the DSN says
 * (SIRET, APET, code risque of S21.G00.40.040) and flagged for review. The référentiel always wins: an
 * establishment it already holds is left untouched, and its import later overwrites a provisional one.
 */
import type { Knex } from 'knex';
import { problemeSiret } from '../../lib/siret.ts';
import { CODE_RISQUE_RE } from '../../rules/bareme.ts';

export interface LigneDsn {
  siret: string;
  apet?: string | null;
  /** S21.G00.40.040 as written in the DSN: `521BC`, `602MDB` (former bureau section), `999ZZ` (not notified) */
  codeRisqueDsn?: string | null;
}

export interface CodeRisqueDsnLu {
  /** NN.NXX, or null when the DSN gives no usable code */
  codeRisque: string | null;
  section: 'principale' | 'fsna' | 'bureau' | null;
  motif?: string;
}

/**
 * Reads a DSN code risque (cahier technique DSN, S21.G00.40.040): no dot (`521BC` → `52.1BC`); a trailing `B`
 * after the 5 characters marks a bureau / fonctions support section (`602MDB` → 60.2MD, section bureau);
 * `999ZZ` means not yet notified; 00.00B / 00.00A (`0000B`, `0000A`) are the FSNA codes.
 */
export function lireCodeRisqueDsn(raw: string | null | undefined): CodeRisqueDsnLu {
  const s = (raw ?? '').replace(/[\s.]/g, '').toUpperCase();
  if (s === '') return { codeRisque: null, section: null, motif: 'code risque absent de la DSN' };
  if (s === '999ZZ') return { codeRisque: null, section: null, motif: 'code risque 999ZZ (pas encore notifié)' };
  if (s === '0000B' || s === '0000A') return { codeRisque: `00.00${s[4]}`, section: 'fsna' };
  const m = /^(\d{2})(\d[A-Z]{2})(B?)$/.exec(s);
  if (!m) return { codeRisque: null, section: null, motif: `code risque DSN "${raw}" illisible` };
  const code = `${m[1]}.${m[2]}`;
  if (!CODE_RISQUE_RE.test(code)) return { codeRisque: null, section: null, motif: `code risque DSN "${raw}" illisible` };
  return { codeRisque: code, section: m[3] ? 'bureau' : 'principale' };
}

export interface ResultatProvisoires {
  /** SIRETs created provisionally */
  crees: string[];
  /** sections added to establishments already provisional */
  sectionsAjoutees: number;
  /** SIRETs the référentiel already holds: untouched */
  dejaAuReferentiel: string[];
  /** rows refused (invalid SIRET) with their reason */
  refuses: { siret: string; motif: string }[];
}

/** Creates the missing establishments of a batch of DSN rows, in one transaction. */
export async function creerEtablissementsProvisoires(knex: Knex, rows: LigneDsn[]): Promise<ResultatProvisoires> {
  const res: ResultatProvisoires = { crees: [], sectionsAjoutees: 0, dejaAuReferentiel: [], refuses: [] };
  if (!rows.length) return res;
  await knex.transaction(async (trx) => {
    const sirets = [...new Set(rows.map((r) => r.siret))];
    const existants = new Map<string, string>();
    for (let i = 0; i < sirets.length; i += 1000) {
      const part = await trx('etablissement').whereIn('siret', sirets.slice(i, i + 1000)).select('siret', 'origine');
      for (const e of part) existants.set(e.siret, e.origine);
    }
    const codesConnus = new Set((await trx('code_risque').select('code_risque')).map((r: { code_risque: string }) => r.code_risque));
    const dejaRef = new Set<string>();
    const nouveaux = new Map<string, Record<string, unknown>>();
    const sections = new Map<string, Record<string, unknown>>();
    for (const r of rows) {
      const eSiret = problemeSiret(r.siret);
      if (eSiret) {
        res.refuses.push({ siret: r.siret, motif: eSiret });
        continue;
      }
      if (existants.get(r.siret) === 'referentiel') {
        dejaRef.add(r.siret);
        continue;
      }
      const lu = lireCodeRisqueDsn(r.codeRisqueDsn);
      const connu = lu.codeRisque !== null && codesConnus.has(lu.codeRisque);
      const siren = r.siret.slice(0, 9);
      if (!existants.has(r.siret) && !nouveaux.has(r.siret)) {
        const motifs = ['créé depuis la DSN, absent du référentiel'];
        if (lu.motif) motifs.push(lu.motif);
        if (lu.codeRisque !== null && !connu) motifs.push(`code risque ${lu.codeRisque} inconnu des barèmes`);
        nouveaux.set(r.siret, {
          siret: r.siret, siren, apet: r.apet ?? null, code_risque_dsn: r.codeRisqueDsn ?? null,
          origine: 'dsn', a_revoir: true, motif_revue: motifs.join(' ; '),
        });
      }
      if (connu) {
        sections.set(`${r.siret}/${lu.codeRisque}/${lu.section}`, { siret: r.siret, siren, code_risque: lu.codeRisque, section: lu.section, date_debut: null, origine: 'dsn' });
      }
    }
    const lots = <T>(xs: T[]) => Array.from({ length: Math.ceil(xs.length / 500) }, (_, i) => xs.slice(i * 500, i * 500 + 500));
    for (const lot of lots([...nouveaux.values()])) {
      // a concurrent batch may have created it meanwhile: first writer wins, the référentiel will settle it
      const ins: { siret: string }[] = await trx('etablissement').insert(lot).onConflict('siret').ignore().returning('siret');
      res.crees.push(...ins.map((x) => x.siret));
    }
    for (const lot of lots([...sections.values()])) {
      const ins: { siret: string }[] = await trx('etablissement_section').insert(lot).onConflict(['siret', 'code_risque', 'section']).ignore().returning('siret');
      res.sectionsAjoutees += ins.filter((x) => !nouveaux.has(x.siret)).length;
    }
    res.dejaAuReferentiel = [...dejaRef];
  });
  return res;
}

/**
 * After a DSN ingestion: the establishments of retained declarations that the référentiel does not hold yet are
 * created provisionally, with the codes risque their contracts declare (latest month first).
 */
export async function provisoiresDepuisDsn(knex: Knex): Promise<ResultatProvisoires> {
  const r = await knex.raw(
    `select distinct on (d.siret, r.code_risque) d.siret, d.apet, r.code_risque
       from dsn_declaration d
       left join dsn_fait_risque r on r.declaration_id = d.id and r.siret = d.siret
      where d.statut = 'retenue' and d.siret is not null
        and not exists (select 1 from etablissement e where e.siret = d.siret)
      order by d.siret, r.code_risque, d.mois_principal desc`,
  );
  const rows = (r.rows as { siret: string; apet: string | null; code_risque: string | null }[]).map((x) => ({
    siret: x.siret, apet: x.apet, codeRisqueDsn: x.code_risque,
  }));
  return creerEtablissementsProvisoires(knex, rows);
}

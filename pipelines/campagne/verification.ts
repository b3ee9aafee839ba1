/**
 * Before a campaign is frozen: are its rates still those of today's data? Every section stored its input hash
 * (the whole situation the rules were given: masses salariales, headcounts, claims, previous rates, sections) and
 * the barème's fingerprint. The same consolidation is read again and hashed the same way; a section whose hash
 * differs, a section that appeared or disappeared, names its establishment. Nothing is written.
 */
import type { Knex } from 'knex';
import { tarifierEntreprise } from './tarifier.ts';
import type { BaremeAnnee } from '../../rules/bareme.ts';
import type { lireLot as LireLot } from './run.ts';

export interface EcartEntrees {
  siret: string;
  code_risque: string;
  motif: 'donnees_modifiees' | 'section_nouvelle' | 'section_disparue';
}

/** Sections of campaign `annee` whose inputs changed since they were computed. */
export async function ecartsEntrees(knex: Knex, annee: number, bareme: BaremeAnnee, lireLot: typeof LireLot, lot = 500): Promise<EcartEntrees[]> {
  const ecarts: EcartEntrees[] = [];
  let apres = '';
  for (;;) {
    // the companies of the stored campaign and those of today's référentiel
    const sirens = (await knex.raw(
      `select siren from (select siren from campagne_taux where annee = ? and decision = 1
                          union select siren from etablissement_section) s
        where siren > ? order by siren limit ?`,
      [annee, apres, lot],
    )).rows.map((r: { siren: string }) => r.siren) as string[];
    if (!sirens.length) break;
    apres = sirens.at(-1)!;
    const stockees = new Map<string, string>();
    for (const r of await knex('campagne_taux').where({ annee, decision: 1 }).whereIn('siren', sirens).select('siret', 'code_risque', 'entrees_empreinte')) {
      stockees.set(`${r.siret}/${r.code_risque}`, r.entrees_empreinte ?? '');
    }
    const actuelles = new Map<string, string>();
    for (const d of await lireLot(knex, annee, sirens)) {
      for (const l of tarifierEntreprise(d, bareme)) actuelles.set(`${l.siret}/${l.code_risque}`, l.entrees_empreinte);
    }
    for (const [k, e] of actuelles) {
      const [siret, code_risque] = k.split('/');
      if (!stockees.has(k)) ecarts.push({ siret, code_risque, motif: 'section_nouvelle' });
      else if (stockees.get(k) !== e) ecarts.push({ siret, code_risque, motif: 'donnees_modifiees' });
    }
    for (const k of stockees.keys()) {
      if (actuelles.has(k)) continue;
      const [siret, code_risque] = k.split('/');
      ecarts.push({ siret, code_risque, motif: 'section_disparue' });
    }
  }
  return ecarts.sort((a, b) => a.siret.localeCompare(b.siret) || a.code_risque.localeCompare(b.code_risque));
}

/** DSN files loaded since `depuis` that carry one of these establishments (to name what changed). */
export async function fichiersDsnDepuis(knex: Knex, sirets: string[], depuis: string | Date): Promise<string[]> {
  if (!sirets.length) return [];
  const r = await knex.raw(
    `select distinct f.chemin from dsn_fichier f join dsn_declaration d on d.fichier_sha256 = f.sha256
      where d.siret = any(?::text[]) and f.ingere_le > ? order by f.chemin limit 20`,
    [sirets, depuis],
  );
  return r.rows.map((x: { chemin: string }) => x.chemin);
}

/** The rates the campaigns computed for one establishment (latest decision), each with its campaign's state. */
export async function tauxCampagnesEtablissement(knex: Knex, siret: string) {
  const rows = await knex.raw(
    `select distinct on (t.annee, t.code_risque) t.annee, t.code_risque, t.statut, t.mode, t.taux_notifie::text as taux_notifie,
            t.erreur, c.statut as campagne, c.provisoire, c.bareme_annee
       from campagne_taux t join campagne c on c.annee = t.annee
      where t.siret = ? order by t.annee desc, t.code_risque, t.decision desc`,
    [siret],
  );
  return rows.rows.map((r: Record<string, any>) => ({
    annee: r.annee as number, code_risque: r.code_risque as string, mode: r.mode as string | null, taux: r.taux_notifie as string | null,
    erreur: r.erreur as string | null,
    campagne: (r.provisoire ? 'provisoire' : r.campagne === 'validee' ? 'validée' : r.campagne === 'calculee' ? 'calculée' : 'en cours de calcul') as string,
    ...(r.provisoire ? { provisoire: true, bareme_annee: r.bareme_annee as number } : {}),
  }));
}

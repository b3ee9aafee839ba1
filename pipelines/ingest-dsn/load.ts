/**
 * Loads DSN files: each file is read completely (streaming) before anything is written, then its ledger rows and
 * facts are written in one transaction, so a malformed file contributes nothing. Annule et remplace is resolved
 * on the key (SIREN, NIC, mois principal, fraction) [norme] CT2025.1.3 §1.4.3 p.13–15.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../lib/db.ts';
import { problemeSiret } from '../../lib/siret.ts';
import { DsnError, type DeclarationLue, type LectureFichier } from './reader.ts';
import { withConnexion, type Connexion } from '../../lib/copy.ts';
import { lecteurs, nombreLecteurs } from './lecteurs.ts';
import { provisoiresDepuisDsn } from '../ingest-referentiel/provisoires.ts';

export interface RapportFichier {
  fichier: string;
  statut: 'charge' | 'deja_charge' | 'rejete';
  raison?: string;
  declarations: number;
  retenues: number;
  remplacees: number;
  ignorees: { ligne: number; motif: string }[];
  avertissements: string[];
}

export interface RapportIngestion {
  fichiers: RapportFichier[];
  charges: number;
  deja_charges: number;
  rejetes: number;
  declarations_retenues: number;
  declarations_remplacees: number;
  declarations_ignorees: number;
  /** establishments created provisionally from the DSN (absent from the référentiel) */
  provisoires?: number;
}

/** A path that cannot be read as a DSN file: reported and skipped, the other files are loaded. */
export interface EntreeRefusee {
  chemin: string;
  raison: string;
}

const RAISONS_FS: Record<string, string> = {
  ELOOP: 'boucle de liens symboliques',
  ENOENT: 'lien symbolique cassé (cible introuvable)',
  EACCES: 'accès refusé',
  EPERM: 'accès refusé',
  ENAMETOOLONG: 'chemin trop long',
  ENOTDIR: 'chemin invalide',
};

/**
 * Files of the given paths: a file given explicitly is taken as is; folders are walked recursively (sorted,
 * hidden entries skipped, each folder once even through links) and only their `*.dsn` files are taken. An entry
 * that cannot be read (broken link, loop of links, no access) is refused on its own, never stopping the walk.
 * A path given explicitly that does not exist at all stays an error of the command line (ENOENT thrown).
 */
export function listerEntrees(paths: string[]): { fichiers: string[]; refusees: EntreeRefusee[] } {
  const fichiers: string[] = [];
  const refusees: EntreeRefusee[] = [];
  const vus = new Set<string>();
  const refuser = (chemin: string, e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    refusees.push({ chemin, raison: `${RAISONS_FS[code] ?? 'lecture impossible'} (${code || (e as Error).message})` });
  };
  const walk = (p: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // an explicit path that is not even a link: the command line is wrong
      if (explicit && code === 'ENOENT' && !lstatSync(p, { throwIfNoEntry: false })) throw e;
      if (explicit || /\.dsn$/i.test(p) || lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink()) refuser(p, e);
      return;
    }
    if (st.isDirectory()) {
      let reel: string;
      let entrees: string[];
      try {
        reel = realpathSync(p);
        entrees = readdirSync(p).sort();
      } catch (e) {
        refuser(p, e);
        return;
      }
      if (vus.has(reel)) {
        refusees.push({ chemin: p, raison: `boucle de liens symboliques (dossier ${reel} déjà parcouru)` });
        return;
      }
      vus.add(reel);
      for (const e of entrees) if (!e.startsWith('.')) walk(join(p, e), false);
    } else if (st.isFile() && (explicit || /\.dsn$/i.test(p))) fichiers.push(p);
  };
  for (const p of paths) walk(p, true);
  return { fichiers, refusees };
}

/** The readable files of listerEntrees. */
export function listerFichiers(paths: string[]): string[] {
  return listerEntrees(paths).fichiers;
}

export interface OptionsIngestion {
  /** reader threads (default: nombreLecteurs(); 0 = in-thread) */
  lecteurs?: number;
}

export async function ingererDsn(db: Db, paths: string[], onFichier?: (r: RapportFichier) => void, opts: OptionsIngestion = {}): Promise<RapportIngestion> {
  const rapport: RapportIngestion = {
    fichiers: [],
    charges: 0,
    deja_charges: 0,
    rejetes: 0,
    declarations_retenues: 0,
    declarations_remplacees: 0,
    declarations_ignorees: 0,
  };
  const { fichiers: files, refusees } = listerEntrees(paths);
  // worker threads only pay off on several files
  const pool = lecteurs(files.length > 1 ? (opts.lecteurs ?? nombreLecteurs()) : 0);
  try {
    for await (const [f, lecture] of pool.lire(files)) {
      const r = await ingererLecture(db, f, lecture);
      // a refused file contributes nothing, but its refusal is kept for the campaign's data-quality review
      if (r.statut === 'rejete') await db.knex('dsn_rejet').insert({ chemin: f, raison: r.raison ?? 'rejeté' });
      rapport.fichiers.push(r);
      if (r.statut === 'charge') rapport.charges++;
      else if (r.statut === 'deja_charge') rapport.deja_charges++;
      else rapport.rejetes++;
      rapport.declarations_retenues += r.retenues;
      rapport.declarations_remplacees += r.remplacees;
      rapport.declarations_ignorees += r.ignorees.length;
      onFichier?.(r);
    }
  } finally {
    await pool.close();
  }
  for (const x of refusees) {
    const r: RapportFichier = { fichier: x.chemin, statut: 'rejete', raison: `${x.chemin}:0: ${x.raison}`, declarations: 0, retenues: 0, remplacees: 0, ignorees: [], avertissements: [] };
    await db.knex('dsn_rejet').insert({ chemin: x.chemin, raison: r.raison! });
    rapport.fichiers.push(r);
    rapport.rejetes++;
    onFichier?.(r);
  }
  // establishments seen in the DSN but unknown to the référentiel: created provisionally, flagged for review
  if (rapport.charges) rapport.provisoires = (await provisoiresDepuisDsn(db.knex)).crees.length;
  return rapport;
}

async function ingererLecture(db: Db, fichier: string, lecture: { lu: LectureFichier } | { erreur: unknown }): Promise<RapportFichier> {
  const r: RapportFichier = { fichier, statut: 'rejete', declarations: 0, retenues: 0, remplacees: 0, ignorees: [], avertissements: [] };
  if ('erreur' in lecture) {
    const e = lecture.erreur;
    if (e instanceof DsnError) {
      r.raison = `${fichier}:${e.line}: ${e.message}`;
      return r;
    }
    // file-system errors (ENOENT, EACCES, EISDIR…) reject the file; anything else is an internal error
    const err = e as NodeJS.ErrnoException;
    if (err.code && /^E[A-Z]+$/.test(err.code)) {
      r.raison = `${fichier}:0: lecture impossible (${err.code})`;
      return r;
    }
    throw e;
  }
  const lu = lecture.lu;
  r.avertissements = lu.avertissements.map((a) => `${fichier}:${a.line}: ${a.message}`);
  r.declarations = lu.declarations.length;
  // identity checks of retained declarations (SIRET key: lib/siret.ts)
  for (const d of lu.declarations) {
    if (d.ignoree) continue;
    const siret = `${d.siren ?? ''}${d.nic ?? ''}`;
    const p = problemeSiret(siret);
    if (p) {
      r.raison = `${fichier}:${d.line}: déclaration : S21.G00.06.001 + S21.G00.11.001 : ${p}`;
      return r;
    }
    for (const [k, id] of [['type', 'S20.G00.05.002'], ['fraction', 'S20.G00.05.003'], ['numeroOrdre', 'S20.G00.05.004'], ['moisPrincipal', 'S20.G00.05.005']] as const) {
      if (d[k] === undefined) {
        r.raison = `${fichier}:${d.line}: déclaration : ${id} obligatoire absente`;
        return r;
      }
    }
    if (!['01', '02', '03', '05'].includes(d.type!)) {
      r.raison = `${fichier}:${d.line}: S20.G00.05.002 : type de déclaration ${d.type} impossible pour une mensuelle`;
      return r;
    }
  }

  await withConnexion(db, async (c) => {
    await c.query("select pg_advisory_xact_lock(hashtextextended('atmp-ingest-dsn', 0))");
    const known = await c.query('select 1 from dsn_fichier where sha256 = $1', [lu.sha256]);
    if (known.length) {
      r.statut = 'deja_charge';
      r.raison = `${fichier}: fichier identique déjà chargé (SHA-256 ${lu.sha256.slice(0, 12)}…), rien à faire`;
      return;
    }
    await ecrire(c, fichier, lu, r);
    r.statut = 'charge';
  });
  return r;
}

interface Retenue {
  id: number;
  type: string;
  numero: bigint;
  date: string;
}

/** Version order: (date de constitution, numéro d'ordre, arrival) — 05.004 restarts each month [norme] p.15, p.135. */
function plusRecente(a: Retenue, b: Retenue): boolean {
  if (a.date !== b.date) return a.date > b.date;
  if (a.numero !== b.numero) return a.numero > b.numero;
  return a.id > b.id;
}

const cle = (siret: string, mois: string, fraction: string) => `${siret}|${mois}|${fraction}`;

async function ecrire(c: Connexion, fichier: string, lu: LectureFichier, r: RapportFichier) {
  const decls = lu.declarations;
  const ids = decls.length
    ? (await c.query("select nextval('dsn_declaration_id_seq')::bigint as id from generate_series(1, $1::int)", [decls.length])).map((x) => Number(x.id))
    : [];

  const retenus = decls.filter((d) => !d.ignoree);
  const sirets = [...new Set(retenus.map((d) => d.siren! + d.nic!))];
  const empreintes = [...new Set(retenus.map((d) => d.empreinte))];
  const current = new Map<string, Retenue>();
  if (sirets.length) {
    const rows = await c.query(
      `select id, siret, to_char(mois_principal, 'YYYY-MM-DD') as mois, fraction, type, numero_ordre::text as numero,
              coalesce(to_char(date_constitution, 'YYYY-MM-DD'), '') as date
         from dsn_declaration where statut = 'retenue' and siret = any($1::text[])`,
      [sirets],
    );
    for (const x of rows) current.set(cle(x.siret, x.mois, x.fraction), { id: Number(x.id), type: x.type, numero: BigInt(x.numero), date: x.date });
  }
  const dejaVues = new Set<string>();
  if (empreintes.length) {
    for (const x of await c.query('select distinct empreinte from dsn_declaration where empreinte = any($1::text[])', [empreintes])) dejaVues.add(x.empreinte);
  }

  const statut: { statut: string; par?: number; motif: string }[] = [];
  const remplaceesAnciennes = new Map<number, number>(); // old id → new id
  decls.forEach((d, i) => {
    const id = ids[i];
    if (d.ignoree) {
      statut.push({ statut: 'ignoree', motif: d.ignoree });
      r.ignorees.push({ ligne: d.line, motif: d.ignoree });
      return;
    }
    if (dejaVues.has(d.empreinte)) {
      const motif = 'déclaration identique déjà chargée (doublon)';
      statut.push({ statut: 'ecartee', motif });
      r.ignorees.push({ ligne: d.line, motif });
      return;
    }
    dejaVues.add(d.empreinte);
    const k = cle(d.siren! + d.nic!, d.moisPrincipal!, d.fraction!);
    const moi: Retenue = { id, type: d.type!, numero: BigInt(d.numeroOrdre!), date: d.dateConstitution ?? '' };
    const cur = current.get(k);
    if (!cur) {
      current.set(k, moi);
      statut.push({ statut: 'retenue', motif: '' });
    } else if (plusRecente(moi, cur)) {
      if (d.type === '03' || d.type === '05') {
        // an A&R replaces everything the replaced declaration contributed, régularisations included [norme] p.15
        current.set(k, moi);
        statut.push({ statut: 'retenue', motif: '' });
        if (cur.id < ids[0]) remplaceesAnciennes.set(cur.id, id);
        else {
          const j = ids.indexOf(cur.id);
          statut[j] = { statut: 'remplacee', par: id, motif: `remplacée par la déclaration de la ligne ${d.line}` };
        }
      } else {
        // a second normale for the same key would have been refused by the platform [norme] p.13: not a replacement
        const motif = `seconde déclaration normale (type ${d.type}) pour une période déjà déclarée : écartée`;
        statut.push({ statut: 'ecartee', motif });
        r.ignorees.push({ ligne: d.line, motif });
      }
    } else {
      // an older version never replaces a newer one (an A&R loaded before its original still wins) [norme] p.15
      statut.push({ statut: 'remplacee', par: cur.id, motif: 'version antérieure à la version déjà retenue' });
    }
  });
  // chain: an old declaration replaced by one that is itself replaced later in the file points to the final one
  const finalOf = (id: number): number => {
    let cur = id;
    for (;;) {
      const j = ids.indexOf(cur);
      if (j < 0 || statut[j].statut !== 'remplacee' || statut[j].par === undefined) return cur;
      cur = statut[j].par!;
    }
  };

  await c.copy(
    'dsn_fichier',
    ['sha256', 'chemin', 'octets', 'declarations'],
    [[lu.sha256, fichier, String(lu.octets), String(decls.length)]],
  );
  await c.copy(
    'dsn_declaration',
    ['id', 'fichier_sha256', 'ligne', 'empreinte', 'nature', 'siren', 'nic', 'siret', 'apet', 'mois_principal', 'fraction', 'type', 'numero_ordre', 'date_constitution', 'statut', 'remplacee_par', 'motif'],
    decls.map((d, i) => [
      String(ids[i]), lu.sha256, String(d.line), d.empreinte, d.nature, d.siren, d.nic,
      d.siren && d.nic ? d.siren + d.nic : undefined, d.apet, d.moisPrincipal, d.fraction, d.type, d.numeroOrdre,
      d.dateConstitution, statut[i].statut, statut[i].par === undefined ? undefined : String(statut[i].par), statut[i].motif,
    ]),
  );
  if (remplaceesAnciennes.size) {
    const pairs = [...remplaceesAnciennes].map(([old, neu]) => [old, finalOf(neu)]);
    await c.query(
      `update dsn_declaration d set statut = 'remplacee', remplacee_par = p.par, motif = 'remplacée par une déclaration annule et remplace'
         from unnest($1::bigint[], $2::bigint[]) as p(id, par) where d.id = p.id`,
      [pairs.map((p) => String(p[0])), pairs.map((p) => String(p[1]))],
    );
    r.remplacees += pairs.length;
  }
  r.remplacees += statut.filter((s) => s.statut === 'remplacee').length;
  r.retenues = statut.filter((s) => s.statut === 'retenue').length;

  // facts of every non-ignored, non-duplicate declaration (replaced ones too: the ledger can switch back)
  const faits: (string | undefined)[][] = [];
  const risques: (string | undefined)[][] = [];
  decls.forEach((d: DeclarationLue, i) => {
    if (statut[i].statut === 'ignoree' || statut[i].statut === 'ecartee') return;
    const siret = d.siren! + d.nic!;
    for (const f of d.faits) {
      faits.push([String(ids[i]), d.siren, siret, f.mois, f.masse, f.effectif, f.heures]);
    }
    for (const [code, taux] of d.risques) risques.push([String(ids[i]), d.siren, siret, d.moisPrincipal, code, taux]);
  });
  await c.copy('dsn_fait_mensuel', ['declaration_id', 'siren', 'siret', 'mois', 'masse_salariale', 'effectif', 'heures'], faits);
  await c.copy('dsn_fait_risque', ['declaration_id', 'siren', 'siret', 'mois', 'code_risque', 'taux_at'], risques);
}

/**
 * Streaming reader of NEODeS (DSN) files. Bytes are decoded as ISO-8859-1 (iconv-lite 'win1252', single byte, so
 * chunk boundaries are safe), lines end with LF or CR LF, and the tree of blocks is rebuilt with the official
 * parent table (Cahier technique DSN CT2025.1.3 §3.2 p.76–77, dsn-datatypes-CT2024.xlsx sheet "Blocks").
 * Memory is bounded by one individual (S21.G00.30): its subtree is turned into facts when it closes, then dropped.
 *
 * Any malformed input throws a DsnError carrying the line number; the caller rejects the whole file.
 * Errors never carry a declared value (personal data): only rubrique ids and line numbers.
 */
import { createReadStream } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import iconv from 'iconv-lite';
import { D, ZERO, type Decimal } from '../../rules/decimal.ts';
import { effectifMensuelContrat, joursDuMois, type ContratEffectif as Contrat } from '../../rules/effectif-mensuel.ts';

export class DsnError extends Error {
  constructor(readonly line: number, reason: string) {
    super(reason);
    this.name = 'DsnError';
  }
}

/** Block → parent block [norme] dsn-datatypes-CT2024.xlsx (P24V01 rev. 20231219), sheet Blocks. */
const PARENT: Record<string, string> = {};
const addParent = (parent: string, children: string[]) => {
  for (const c of children) PARENT[c] = parent;
};
addParent('S10.G00.00', ['S10.G00.01', 'S10.G00.02', 'S20.G00.05', 'S90.G00.90']);
addParent('S20.G00.05', ['S20.G00.07', 'S20.G00.08', 'S21.G00.06', 'S21.G00.85', 'S89.G00.32', 'S89.G00.67', 'S89.G00.87', 'S89.G00.88', 'S89.G00.89', 'S89.G00.91']);
addParent('S21.G00.06', ['S21.G00.13', 'S21.G00.11']);
addParent('S21.G00.11', ['S21.G00.12', 'S21.G00.15', 'S21.G00.82', 'S21.G00.20', 'S21.G00.22', 'S21.G00.44', 'S21.G00.30']);
addParent('S21.G00.15', ['S21.G00.16']);
addParent('S21.G00.20', ['S21.G00.55']);
addParent('S21.G00.22', ['S21.G00.23']);
addParent('S21.G00.30', ['S21.G00.31', 'S21.G00.34', 'S21.G00.40', 'S21.G00.50', 'S21.G00.86', 'S21.G00.98']);
addParent('S21.G00.40', ['S21.G00.41', 'S21.G00.45', 'S21.G00.60', 'S21.G00.62', 'S21.G00.65', 'S21.G00.70', 'S21.G00.71']);
addParent('S21.G00.60', ['S21.G00.66']);
addParent('S21.G00.62', ['S21.G00.63']);
addParent('S21.G00.70', ['S21.G00.73']);
addParent('S21.G00.71', ['S21.G00.72']);
addParent('S21.G00.50', ['S21.G00.51', 'S21.G00.52', 'S21.G00.54', 'S21.G00.56', 'S21.G00.58', 'S21.G00.78', 'S21.G00.83', 'S21.G00.95']);
addParent('S21.G00.51', ['S21.G00.53']);
addParent('S21.G00.78', ['S21.G00.79', 'S21.G00.81']);
addParent('S21.G00.83', ['S21.G00.84']);
addParent('S89.G00.32', ['S89.G00.33', 'S89.G00.35', 'S89.G00.43']);
addParent('S89.G00.91', ['S89.G00.92']);
addParent('S89.G00.92', ['S89.G00.93', 'S89.G00.94']);
export const KNOWN_BLOCKS = new Set(['S10.G00.00', ...Object.keys(PARENT)]);

/** Blocks whose values the reader keeps; other known blocks only track their occurrences. */
const KEPT = new Set(['S21.G00.40', 'S21.G00.50', 'S21.G00.62', 'S21.G00.51', 'S21.G00.53', 'S21.G00.78', 'S90.G00.90']);

// numeric kinds of the blocks the reader acts on (cheaper than comparing block strings on every record)
const [K_S10, K_S20, K_S06, K_S11, K_S30, K_S90, K_S40, K_S62, K_S53, K_S78, K_S50, K_S51] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const KIND: Record<string, number> = {
  'S10.G00.00': K_S10,
  'S20.G00.05': K_S20,
  'S21.G00.06': K_S06,
  'S21.G00.11': K_S11,
  'S21.G00.30': K_S30,
  'S90.G00.90': K_S90,
  'S21.G00.40': K_S40,
  'S21.G00.62': K_S62,
  'S21.G00.53': K_S53,
  'S21.G00.78': K_S78,
  'S21.G00.50': K_S50,
  'S21.G00.51': K_S51,
};

interface Occ {
  block: string;
  kind: number;
  lastN: number;
  values: Map<number, string> | undefined;
  lineNo: number;
  parent: Occ | undefined;
}

export interface Avertissement {
  line: number;
  message: string;
}

/** One (SIRET, month) fact line of a declaration. */
export interface FaitMois {
  masse: Decimal;
  heures: Decimal;
  /** set on the declaration's own month only */
  effectif: Decimal | undefined;
}

export interface FaitTexte {
  mois: string;
  masse: string;
  heures: string;
  effectif: string | undefined;
}

export interface DeclarationLue {
  line: number;
  empreinte: string;
  nature: string;
  /** undefined: retained for consolidation; else why it is skipped (test envoi, nature) */
  ignoree?: string;
  siren?: string;
  nic?: string;
  apet?: string;
  /** 'YYYY-MM-01' */
  moisPrincipal?: string;
  fraction?: string;
  type?: string;
  numeroOrdre?: string;
  /** 'YYYY-MM-DD' */
  dateConstitution?: string;
  /** facts per month ('YYYY-MM-01'), amounts as exact decimal strings (structured-cloneable for worker threads) */
  faits: FaitTexte[];
  /** code risque → taux AT (string, 2 decimals) for the declaration's own month */
  risques: Map<string, string | undefined>;
}

export interface LectureFichier {
  sha256: string;
  octets: number;
  lignes: number;
  envois: number;
  declarations: DeclarationLue[];
  avertissements: Avertissement[];
}

// ---- value checks ------------------------------------------------------------------------------------------

/** DSN date JJMMAAAA [norme] §3.3 → 'YYYY-MM-DD', or undefined if impossible. */
export function dateDsn(v: string): string | undefined {
  if (v.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const j = +v.slice(0, 2);
  const m = +v.slice(2, 4);
  const a = +v.slice(4, 8);
  if (m < 1 || m > 12 || j < 1 || a < 1900 || a > 2200 || j > joursDuMois(a, m)) return undefined;
  return `${v.slice(4, 8)}-${v.slice(2, 4)}-${v.slice(0, 2)}`;
}

/**
 * Amount: `-?digits.dd` [norme] §3.3 (78.004 "positive, negative or zero", p.293), at most 12 digits before the
 * point: a monthly base of a thousand billion euros or more is no salary (the project's plausibility bound).
 */
const MONTANT_RE = /^-?\d{1,12}\.\d{2}$/;
/**
 * Records: the norm allows 256 characters [norme] §3.4 p.78; producers exceed it a little [observé] (warned).
 * Beyond 1 024 the line is refused: no rubrique the campaign reads comes near it (the project's bound), and a
 * field of megabytes would reach the documents.
 */
const LIGNE_MAX = 1024;
/** Rubrique numbers of the cahier technique run from 001 to 099 [norme]; others are producers' extensions. */
const RUBRIQUE_MAX = 99;
/** Control characters (tab and CR excepted): never allowed in a DSN value [norme] §3.4 p.78–82. */
// eslint-disable-next-line no-control-regex
const CONTROLE_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** APET: the NAF rév. 2 code, NNNNX (S21.G00.06.003, S21.G00.11.002) [norme]; the dotted form NN.NNX is accepted. */
export const APET_RE = /^\d{2}\.?\d{2}[A-Z]$/;
/** Code risque (S21.G00.40.040): 5 or 6 characters, e.g. 741GB or 74.1GB [norme]; refused beyond 6. */
const CODE_RISQUE_MAX = 6;
/** Other numbers (quantities, quotités): optional sign, digits, optional decimals. */
const NOMBRE_RE = /^-?\d+(\.\d+)?$/;

// ---- reader ------------------------------------------------------------------------------------------------

interface Individu {
  contrats: (Contrat & { numero: string; regime: string; codeRisque: string; taux: string | undefined })[];
  bases: { mois: string; montant: Decimal; contrat: string | undefined; line: number }[];
  heures: { mois: string; quantite: Decimal; contrat: string | undefined }[];
}

interface DeclarationEnCours extends DeclarationLue {
  acc: Map<string, FaitMois>;
  hash: Hash;
  individu: Individu | undefined;
}

/**
 * Reads one file, streaming, and returns its declarations with their facts. Throws DsnError on any malformed
 * line, bad S90 count, truncated envoi, impossible date or amount.
 */
export async function lireFichierDsn(path: string): Promise<LectureFichier> {
  const fileHash = createHash('sha256');
  const out: LectureFichier = { sha256: '', octets: 0, lignes: 0, envois: 0, declarations: [], avertissements: [] };
  const warn = (line: number, message: string) => {
    if (out.avertissements.length < 1000) out.avertissements.push({ line, message });
  };
  const unknownSeen = new Set<string>();

  const stack: Occ[] = [];
  let lineNo = 0;
  // envoi state
  let envoiOuvert = false;
  let envoiTest = false;
  let envoiRecords = 0;
  let envoiDeclarations = 0;
  let s90Vu = false;
  let decl: DeclarationEnCours | undefined;

  const closeDeclaration = () => {
    if (!decl) return;
    if (hashFrom >= 0 && curStart > hashFrom) decl.hash.update(curText.slice(hashFrom, curStart), 'latin1');
    hashFrom = -1;
    decl.empreinte = decl.hash.digest('hex');
    const { hash: _h, individu: _i, acc, ...d } = decl;
    for (const [mois, f] of acc) d.faits.push({ mois, masse: f.masse.toFixed(), heures: f.heures.toFixed(), effectif: f.effectif?.toFixed() });
    out.declarations.push(d);
    decl = undefined;
  };

  const closeEnvoi = (atLine: number) => {
    if (!envoiOuvert) return;
    if (!s90Vu) throw new DsnError(atLine, "envoi tronqué : pas de bloc S90.G00.90 (total de l'envoi) avant la fin de l'envoi");
    envoiOuvert = false;
  };

  /** Called when an occurrence is popped: turns the blocks the campaign needs into facts. */
  const close = (o: Occ) => {
    const v = o.values;
    switch (o.kind) {
      case K_S20:
        closeDeclaration();
        break;
      case K_S90: {
        const n = v?.get(1);
        const nd = v?.get(2);
        if (n === undefined || nd === undefined) throw new DsnError(o.lineNo, 'S90.G00.90 : rubriques .001 et .002 obligatoires');
        if (!/^\d+$/.test(n)) throw new DsnError(o.lineNo, 'S90.G00.90.001 : valeur invalide (nombre entier, chiffres seuls, sans espace)');
        if (!/^\d+$/.test(nd)) throw new DsnError(o.lineNo, 'S90.G00.90.002 : valeur invalide (nombre entier, chiffres seuls, sans espace)');
        if (+n !== envoiRecords) {
          throw new DsnError(o.lineNo, `S90.G00.90.001 : ${n} enregistrements annoncés, ${envoiRecords} lus (envoi tronqué ou altéré)`);
        }
        if (!/^\d+$/.test(nd) || +nd !== envoiDeclarations) {
          throw new DsnError(o.lineNo, `S90.G00.90.002 : ${nd} déclarations annoncées, ${envoiDeclarations} lues`);
        }
        break;
      }
      case K_S40:
        if (decl?.individu && v) {
          const debut = dateRequise(v, 1, o);
          if ((v.get(40)?.length ?? 0) > CODE_RISQUE_MAX) throw new DsnError(o.lineNo, `S21.G00.40.040 : code risque de ${v.get(40)!.length} caractères (au plus ${CODE_RISQUE_MAX})`);
          decl.individu.contrats.push({
            numero: v.get(9) ?? '',
            debut,
            fin: v.get(-62), // actual end, set by block 62
            nature: v.get(7) ?? '',
            dispositif: v.get(8) ?? '',
            uniteQuotite: v.get(11) ?? '',
            quotiteReference: nombre(v, 12, o),
            quotite: nombre(v, 13, o),
            modalite: v.get(14) ?? '',
            motifRecours: v.get(21) ?? '',
            regime: v.get(39) ?? '',
            codeRisque: v.get(40) ?? '',
            taux: tauxAt(v, o),
          });
        }
        break;
      case K_S50:
        // date de versement: a real date [norme] (an impossible one means an altered file)
        if (v?.has(1) && !dateDsn(v.get(1)!)) throw new DsnError(o.lineNo, 'S21.G00.50.001 : date de versement impossible');
        break;
      case K_S51:
        for (const k of [1, 2]) {
          if (v?.has(k) && !dateDsn(v.get(k)!)) throw new DsnError(o.lineNo, `S21.G00.51.00${k} : date impossible`);
        }
        break;
      case K_S62:
        if (v && o.parent?.values) {
          const fin = v.get(1);
          if (fin !== undefined) {
            const d = dateDsn(fin);
            if (!d) throw new DsnError(o.lineNo, 'S21.G00.62.001 : date impossible');
            o.parent.values.set(-62, d);
          }
        }
        break;
      case K_S53: {
        // Hours worked: 53.001 = 01 (travail rémunéré), 53.003 = 10 (heure), under 51.011 = 002 [norme] p.252
        const p = o.parent?.values;
        if (decl?.individu && v && p && p.get(11) === '002' && v.get(1) === '01' && v.get(3) === '10') {
          const q = v.get(2);
          if (q === undefined || !NOMBRE_RE.test(q)) throw new DsnError(o.lineNo, 'S21.G00.53.002 : quantité invalide');
          const debut = p.get(1);
          const mois = debut !== undefined ? dateDsn(debut) : undefined;
          if (debut !== undefined && !mois) throw new DsnError(o.parent!.lineNo, 'S21.G00.51.001 : date impossible');
          decl.individu.heures.push({ mois: mois ? mois.slice(0, 8) + '01' : decl.moisPrincipal!, quantite: D(q), contrat: p.get(10) });
        }
        break;
      }
      case K_S78: {
        // Masse salariale: base 03 (brute déplafonnée), bucketed by the month of 78.002 [norme] p.49–51, p.291
        if (decl?.individu && v && v.get(1) === '03') {
          const debut = dateRequise(v, 2, o);
          // the month a base is attached to is the declared month or an earlier one (régularisation), never later
          if (decl.moisPrincipal && debut.slice(0, 7) > decl.moisPrincipal.slice(0, 7)) {
            throw new DsnError(o.lineNo, `S21.G00.78.002 : mois de rattachement ${debut.slice(0, 7)} postérieur au mois déclaré ${decl.moisPrincipal.slice(0, 7)}`);
          }
          if (debut < '1990-01-01') throw new DsnError(o.lineNo, `S21.G00.78.002 : mois de rattachement ${debut.slice(0, 7)} antérieur à 1990`);
          const fin = v.get(3);
          if (fin !== undefined && !dateDsn(fin)) throw new DsnError(o.lineNo, 'S21.G00.78.003 : date impossible');
          const m = v.get(4);
          if (m === undefined || !MONTANT_RE.test(m)) throw new DsnError(o.lineNo, 'S21.G00.78.004 : montant invalide (format -?9.99, au plus 12 chiffres avant le point)');
          decl.individu.bases.push({ mois: debut.slice(0, 8) + '01', montant: D(m), contrat: v.get(6), line: o.lineNo });
        }
        break;
      }
      case K_S30:
        if (decl?.individu) {
          factsOfIndividu(decl, decl.individu, warn, o.lineNo);
          decl.individu = undefined;
        }
        break;
    }
  };

  // Declaration fingerprint: the text of its records, hashed per chunk segment (one update per chunk, not per line)
  let curText = '';
  let curStart = 0;
  let hashFrom = -1;

  const onRecord = (t: string, s: number, e: number) => {
    lineNo++;
    const len = e - s;
    if (len === 0) return;
    // Lot wrapper records (S05/S06/S95/S96), not NEODeS: skipped and not counted by S90 [observé] sample 01
    if (t.charCodeAt(s) === 83 /* S */) {
      const c1 = t.charCodeAt(s + 1);
      const c2 = t.charCodeAt(s + 2);
      if ((c1 === 48 && (c2 === 53 || c2 === 54)) || (c1 === 57 && (c2 === 53 || c2 === 54))) return;
    }
    // Grammar Sxx.Gyy.zz.nnn,'value' [norme] §3.4 p.78; the value runs to the LAST quote (apostrophes unescaped)
    const last = t.charCodeAt(e - 1) === 39 ? e - 1 : t.lastIndexOf("'", e - 1);
    if (
      len < 17 ||
      t.charCodeAt(s) !== 83 ||
      t.charCodeAt(s + 3) !== 46 ||
      t.charCodeAt(s + 4) !== 71 ||
      t.charCodeAt(s + 7) !== 46 ||
      t.charCodeAt(s + 10) !== 46 ||
      t.charCodeAt(s + 14) !== 44 ||
      t.charCodeAt(s + 15) !== 39 ||
      last < s + 16 ||
      !digits(t, s + 1, s + 3) ||
      !digits(t, s + 5, s + 7) ||
      !digits(t, s + 8, s + 10) ||
      !digits(t, s + 11, s + 14) ||
      (last !== e - 1 && t.slice(last + 1, e).trim() !== '')
    ) {
      throw new DsnError(lineNo, 'ligne mal formée (Sxx.Gyy.zz.nnn,\'valeur\' attendu)');
    }
    if (last - s > 256) {
      if (len > LIGNE_MAX) throw new DsnError(lineNo, `${t.slice(s, s + 14)} : ligne de ${len} caractères (la norme en admet 256, au plus ${LIGNE_MAX} tolérés)`);
      warn(lineNo, 'ligne de plus de 256 caractères');
    }
    const n = (t.charCodeAt(s + 11) - 48) * 100 + (t.charCodeAt(s + 12) - 48) * 10 + (t.charCodeAt(s + 13) - 48);
    // rubrique 000 exists in no block: refused on its own line (not later, as the mandatory rubrique it displaced);
    // numbers beyond 099 occur in real files (.9xx, producers' extensions [observé] sample 01): warned once, ignored
    if (n === 0) throw new DsnError(lineNo, `${t.slice(s, s + 14)} : rubrique inconnue de la norme NEODeS (numéro 000)`);
    if (n > RUBRIQUE_MAX) {
      const id = t.slice(s, s + 14);
      if (!unknownSeen.has(id)) {
        unknownSeen.add(id);
        warn(lineNo, `rubrique ${id} hors de la norme NEODeS, tolérée et ignorée`);
      }
    }

    let top = stack[stack.length - 1];
    if (top !== undefined && n > top.lastN && t.startsWith(top.block, s)) {
      // fast path: next rubrique of the open occurrence (rubriques ascend within an occurrence [norme] §3.2 p.76)
      if (top.kind === K_S90 || !s90Vu) envoiRecords++;
      else throw new DsnError(lineNo, `enregistrement ${top.block} après le total S90 de l'envoi`);
    } else {
      const block = t.slice(s, s + 10);
      if (block === 'S10.G00.00') {
        // a new envoi closes everything [norme] §3.1 p.74
        while (stack.length) close(stack.pop()!);
        closeEnvoi(lineNo);
        envoiOuvert = true;
        envoiTest = false;
        envoiRecords = 0;
        envoiDeclarations = 0;
        s90Vu = false;
        out.envois++;
      } else if (!envoiOuvert) {
        throw new DsnError(lineNo, `enregistrement ${block} hors d'un envoi (S10.G00.00 attendu en tête)`);
      } else if (s90Vu && block !== 'S90.G00.90') {
        throw new DsnError(lineNo, `enregistrement ${block} après le total S90 de l'envoi`);
      }
      envoiRecords++;
      // new occurrence: "a block repeats when its rubrique number does not increase" [norme] §3.2 p.76
      const parent = PARENT[block];
      if (block === 'S10.G00.00') {
        // stack already emptied above
      } else if (parent) {
        while (stack.length && stack[stack.length - 1].block !== parent) close(stack.pop()!);
        if (!stack.length) throw new DsnError(lineNo, `bloc ${block} sans bloc parent ${parent} ouvert (structure invalide)`);
      } else {
        if (!unknownSeen.has(block)) {
          unknownSeen.add(block);
          warn(lineNo, `bloc inconnu ${block} toléré et ignoré`);
        }
        if (top?.block === block) close(stack.pop()!);
      }
      const kind = KIND[block] ?? 0;
      top = { block, kind, lastN: n, values: KEPT.has(block) ? new Map() : undefined, lineNo, parent: stack[stack.length - 1] };
      stack.push(top);
      if (kind === K_S20) {
        closeDeclaration();
        envoiDeclarations++;
        decl = { line: lineNo, empreinte: '', nature: '', faits: [], acc: new Map(), risques: new Map(), hash: createHash('sha256'), individu: undefined };
        hashFrom = s;
        if (envoiTest) decl.ignoree = 'envoi de test (S10.G00.00.005 = 01)';
      } else if (kind === K_S90) {
        closeDeclaration();
        s90Vu = true;
      } else if (kind === K_S30 && decl && !decl.ignoree) {
        if (!decl.siren || !decl.nic) throw new DsnError(lineNo, 'individu avant les blocs entreprise/établissement (S21.G00.06 / S21.G00.11)');
        decl.individu = { contrats: [], bases: [], heures: [] };
      }
    }
    top.lastN = n;
    const kind = top.kind;
    if (top.values === undefined && (kind === 0 || kind > K_S90)) return;
    const value = t.slice(s + 16, last);
    if (top.values) top.values.set(n, value);

    // envoi- and declaration-level rubriques
    if (kind === K_S10) {
      if (n === 5 && value === '01') envoiTest = true;
    } else if (decl) {
      if (kind === K_S20) onDeclarationRubrique(decl, n, value, lineNo);
      else if (kind === K_S06 && n === 1) decl.siren = value;
      else if (kind === K_S11 && n === 1) decl.nic = value;
      else if ((kind === K_S11 && n === 2) || (kind === K_S06 && n === 3)) {
        if (!APET_RE.test(value)) throw new DsnError(lineNo, `${kind === K_S11 ? 'S21.G00.11.002' : 'S21.G00.06.003'} : code APET invalide (code NAF NNNNX attendu)`);
        if (kind === K_S11) decl.apet = value;
      }
    }
  };

  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    let rest = '';
    stream.on('data', (chunk) => {
      const buf = chunk as Buffer;
      try {
        fileHash.update(buf);
        out.octets += buf.length;
        const text = rest + decoder(buf);
        curText = text;
        let start = 0;
        let nl = text.indexOf('\n', start);
        // one search per chunk; the line holding the first control character is refused when reached
        const controle = text.search(CONTROLE_RE);
        while (nl !== -1) {
          if (controle >= 0 && controle < nl) throw new DsnError(lineNo + 1, `caractère de contrôle U+${text.charCodeAt(controle).toString(16).padStart(4, '0').toUpperCase()} dans la ligne (${text.slice(start, Math.min(start + 14, nl))})`);
          const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          curStart = start;
          onRecord(text, start, end);
          start = nl + 1;
          nl = text.indexOf('\n', start);
        }
        if (decl && hashFrom >= 0 && start > hashFrom) decl.hash.update(text.slice(hashFrom, start), 'latin1');
        if (decl) hashFrom = 0;
        rest = text.slice(start);
      } catch (e) {
        stream.destroy();
        reject(e);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      try {
        curText = rest;
        curStart = 0;
        const controle = rest.search(CONTROLE_RE);
        if (controle >= 0) throw new DsnError(lineNo + 1, `caractère de contrôle U+${rest.charCodeAt(controle).toString(16).padStart(4, '0').toUpperCase()} dans la ligne (${rest.slice(0, 14)})`);
        if (rest.length) onRecord(rest, 0, rest.endsWith('\r') ? rest.length - 1 : rest.length);
        curStart = rest.length;
        while (stack.length) close(stack.pop()!);
        closeEnvoi(lineNo);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
  if (out.envois === 0) throw new DsnError(lineNo, 'aucun envoi DSN (S10.G00.00) dans le fichier');
  out.lignes = lineNo;
  out.sha256 = fileHash.digest('hex');
  return out;
}

const C1 = /[\x80-\x9f]/;
/**
 * Windows-1252 decoding (docs/architecture.md, docs/dsn.md): identical to ISO-8859-1 except bytes 0x80–0x9F, so the fast one-byte
 * latin1 decoding is used and iconv-lite 'win1252' only for chunks holding such a byte (€ ’ œ from faulty producers).
 */
function decoder(buf: Buffer): string {
  const latin1 = buf.toString('latin1');
  return C1.test(latin1) ? iconv.decode(buf, 'win1252') : latin1;
}

function digits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function dateRequise(v: Map<number, string>, n: number, o: Occ): string {
  const raw = v.get(n);
  const id = `${o.block}.${String(n).padStart(3, '0')}`;
  if (raw === undefined) throw new DsnError(o.lineNo, `${id} : date obligatoire absente`);
  const d = dateDsn(raw);
  if (!d) throw new DsnError(o.lineNo, `${id} : date impossible`);
  return d;
}

/** A checked number kept as its string (parsed with decimal.js only when a rule needs it). */
function nombre(v: Map<number, string>, n: number, o: Occ): string | undefined {
  const raw = v.get(n);
  if (raw === undefined || raw === '') return undefined;
  if (!NOMBRE_RE.test(raw)) throw new DsnError(o.lineNo, `${o.block}.${String(n).padStart(3, '0')} : nombre invalide`);
  return raw;
}

/** 40.043 taux AT `0*(0|[1-9][0-9]*)\.[0-9]{2}` [norme] p.199 → normalised decimal string. */
function tauxAt(v: Map<number, string>, o: Occ): string | undefined {
  const raw = v.get(43);
  if (raw === undefined || raw === '') return undefined;
  if (!MONTANT_RE.test(raw) || raw.startsWith('-')) throw new DsnError(o.lineNo, 'S21.G00.40.043 : taux AT invalide');
  return D(raw).toFixed(2);
}

function onDeclarationRubrique(decl: DeclarationEnCours, n: number, value: string, lineNo: number) {
  switch (n) {
    case 1:
      decl.nature = value;
      // keep nature 01 (mensuelle) only [norme] p.133: 07 carries blocks 50/51/78 too and would double count
      if (value !== '01' && !decl.ignoree) decl.ignoree = `nature ${value} (seule la nature 01, mensuelle, est retenue)`;
      break;
    case 2:
      decl.type = value;
      break;
    case 3:
      decl.fraction = value;
      break;
    case 4:
      if (!/^\d+$/.test(value)) throw new DsnError(lineNo, "S20.G00.05.004 : numéro d'ordre invalide");
      decl.numeroOrdre = value.replace(/^0+(?=\d)/, '');
      break;
    case 5: {
      const d = dateDsn(value);
      if (!d || !value.startsWith('01')) throw new DsnError(lineNo, 'S20.G00.05.005 : mois principal déclaré impossible (01MMAAAA attendu)');
      decl.moisPrincipal = d;
      break;
    }
    case 7: {
      const d = dateDsn(value);
      if (!d) throw new DsnError(lineNo, 'S20.G00.05.007 : date de constitution impossible');
      decl.dateConstitution = d;
      break;
    }
  }
}

const REGIME_GENERAL = '200';

/** The individual's facts, added to its declaration when the S21.G00.30 occurrence closes. */
function factsOfIndividu(decl: DeclarationEnCours, ind: Individu, warn: (l: number, m: string) => void, line: number) {
  const mois = decl.moisPrincipal;
  if (!mois) throw new DsnError(line, 'S20.G00.05.005 (mois principal déclaré) absent avant le premier individu');
  const fait = (m: string) => {
    let f = decl.acc.get(m);
    if (!f) decl.acc.set(m, (f = { masse: ZERO, heures: ZERO, effectif: undefined }));
    return f;
  };
  const byNum = new Map(ind.contrats.map((c) => [c.numero, c]));
  // Only régime général contracts (40.039 = 200) are rated by the Carsat [norme] p.197
  const generalOf = (contrat: string | undefined): boolean => {
    if (contrat !== undefined && contrat !== '') {
      const c = byNum.get(contrat);
      if (c) return c.regime === REGIME_GENERAL;
    }
    // 78.006 only when several contracts [norme] p.294: no number → the individual's contracts; with several,
    // the amount counts when at least one of them is régime général (flagged)
    if (ind.contrats.length > 1 && new Set(ind.contrats.map((c) => c.regime)).size > 1) {
      warn(line, 'base sans numéro de contrat (78.006 / 51.010) pour un individu ayant des contrats de régimes différents');
    }
    return ind.contrats.some((c) => c.regime === REGIME_GENERAL);
  };
  for (const b of ind.bases) if (generalOf(b.contrat)) fait(b.mois).masse = fait(b.mois).masse.plus(b.montant);
  for (const h of ind.heures) if (generalOf(h.contrat)) fait(h.mois).heures = fait(h.mois).heures.plus(h.quantite);

  // Effectif of the declaration's own month, CSS R130-1 (rules/effectif-mensuel.ts); contracts deduplicated by (40.001, 40.009)
  const [a, m] = [+mois.slice(0, 4), +mois.slice(5, 7)];
  const seen = new Set<string>();
  for (const c of ind.contrats) {
    if (c.regime !== REGIME_GENERAL) continue;
    const k = `${c.debut}|${c.numero}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (c.codeRisque) {
      const prev = decl.risques.get(c.codeRisque);
      if (prev === undefined) decl.risques.set(c.codeRisque, c.taux);
    }
    const e = effectifMensuelContrat(c, a, m);
    if (e.valeur.isZero()) continue;
    const f = fait(mois);
    f.effectif = (f.effectif ?? ZERO).plus(e.valeur);
  }
  const own = fait(mois);
  if (own.effectif === undefined) own.effectif = ZERO;
}

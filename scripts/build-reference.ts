/**
 * Rebuilds the project's barème files under reference/ from a folder of gathered public figures (a maintainer's
 * tool, run by hand when those figures change; the output is committed).
 *   npx tsx scripts/build-reference.ts DOSSIER_DES_CHIFFRES_PUBLICS
 * Values are taken from the raw published strings (never through floats); nothing is interpolated.
 *
 * Files kept by hand (not in that folder, so this script leaves them in place; each names its source and
 * confidence in its "# Source :" and "# Confiance :" header lines, docs/baremes.md tells where they come from):
 *   reference/taux-collectifs/2023.csv                 annex 1 of the arrêté du 26 décembre 2022 (betagouv taux-2023.json)
 *   reference/taux-collectifs-alsace-moselle/YYYY.csv  the Alsace-Moselle collective rates found (extracts of annex 3)
 */
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { csvCell } from '../lib/csv.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2];
if (!src) {
  process.stderr.write('usage : npx tsx scripts/build-reference.ts DOSSIER_DES_CHIFFRES_PUBLICS\n');
  process.exit(2);
}
const out = join(root, 'reference');

type Row = Record<string, string>;
const readCsv = (p: string): Row[] => parse(readFileSync(p, 'utf8'), { columns: true, skip_empty_lines: true });

const line = (vals: string[]) => vals.map((v) => csvCell(v)).join(';');

/** "7,38 %" → "7.38"; "4" → "4" */
function decimalString(raw: string): string {
  const s = raw.replace(/%/g, '').replace(/\s+/g, '').replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(s)) throw new Error(`unreadable rate ${JSON.stringify(raw)}`);
  return s;
}

const ARRETES: Record<number, { arrete: string; url: string }> = {
  2016: { arrete: 'arrêté du 21 décembre 2015, annexe 1', url: 'https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000031665215' },
  2017: { arrete: 'arrêté du 27 décembre 2016, annexe 1', url: 'https://www.legifrance.gouv.fr/loda/id/JORFTEXT000033735824' },
  2018: { arrete: 'arrêté du 30 décembre 2017, annexe 1', url: 'https://www.legifrance.gouv.fr/loda/id/JORFTEXT000036341681' },
  2019: { arrete: 'arrêté du 26 décembre 2018, annexe 1', url: 'https://www.legifrance.gouv.fr/loda/id/JORFTEXT000037865039' },
  2020: { arrete: 'arrêté du 27 décembre 2019, annexe 1', url: 'https://www.legifrance.gouv.fr/loda/id/JORFTEXT000039684705' },
  2021: { arrete: 'arrêté du 16 décembre 2020, annexe 1', url: 'https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000042731279' },
  2022: { arrete: 'arrêté du 24 décembre 2021, annexe 1', url: 'https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000044616004' },
  2023: { arrete: 'arrêté du 26 décembre 2022, annexe 1', url: 'https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000046821482' },
  2024: { arrete: 'arrêté du 27 décembre 2023, annexe 1', url: 'https://www.legifrance.gouv.fr/jorf/article_jo/JORFARTI000048708762' },
  2025: { arrete: 'arrêté du 29 avril 2025, annexe 1 (taux applicables au 1er mai 2025)', url: 'https://www.legifrance.gouv.fr/jorf/article_jo/JORFARTI000051533208' },
  2026: { arrete: 'arrêté du 30 décembre 2025, annexe 1', url: 'https://www.legifrance.gouv.fr/jorf/article_jo/JORFARTI000053229010' },
};

// --- codes risque → CTN
const codes = readCsv(join(src, 'code_risque_ctn.csv'));
const codeLines = ['code_risque;ctn;particularite;libelle;premiere_annee;derniere_annee'];
for (const c of codes) {
  const special = c.ctn === 'FSNA' ? 'fsna' : c.ctn === 'D242-6-22' ? 'd242-6-22' : '';
  const ctn = special ? '' : c.ctn;
  codeLines.push(line([c.code_risque, ctn, special, c.libelle_dernier, c.premiere_annee, c.derniere_annee]));
}
writeFileSync(join(out, 'codes-risque.csv'), codeLines.join('\n') + '\n');

// --- collective rates per year (each year's file rewritten; the years kept by hand, listed above, are left alone)
mkdirSync(join(out, 'taux-collectifs'), { recursive: true });
const norm = readCsv(join(src, 'taux_collectifs', 'taux_collectifs_normalized.csv'));
const byYear = new Map<number, Row[]>();
for (const r of norm) {
  const y = Number(r.year);
  if (!byYear.has(y)) byYear.set(y, []);
  byYear.get(y)!.push(r);
}
for (const [y, rows] of [...byYear].sort((a, b) => a[0] - b[0])) {
  const a = ARRETES[y];
  if (!a) throw new Error(`no arrêté reference for ${y}`);
  const lines = [
    `# Taux nets collectifs ${y} par code risque (CSS D.242-6-11), en % de la masse salariale.`,
    `# Source : ${a.arrete}, ${a.url} (extraction Licence ouverte betagouv/taux-collectifs-cotisation-atmp@7aeb1d8f).`,
    `# collectif_quel_que_soit_effectif : marque « TC » (CSS D.242-6-14) telle que publiée ; vide = non publiée dans l'extraction.`,
    'code_risque;taux_net;collectif_quel_que_soit_effectif',
  ];
  for (const r of rows) {
    const tc = r.tc_quel_que_soit_effectif === 'oui' ? 'oui' : r.tc_quel_que_soit_effectif === 'non' ? 'non' : '';
    lines.push(line([r.code_risque, decimalString(r.taux_net_raw), tc]));
  }
  writeFileSync(join(out, 'taux-collectifs', `${y}.csv`), lines.join('\n') + '\n');
}

// --- majorations
const maj = readCsv(join(src, 'majorations.csv'));
const majLines = [
  '# Majorations (CSS D.242-6-9) et taux net moyen national, par année de tarification. M1, M3, M4, TNMN en % des salaires ; M2 en % de (taux brut + M1).',
  '# Cellule vide = valeur non trouvée (jamais devinée). confiance : C texte légal lu ; S2 deux sources secondaires concordantes ; S1 une seule source.',
  'annee;m1;m2;m3;m4;tnmn;date_debut;date_fin;confiance_majorations;confiance_tnmn;source',
];
for (const m of maj) {
  if (!m.m1) continue;
  const y = Number(m.year);
  const debut = y === 2025 ? '2025-05-01' : `${y}-01-01`;
  const fin = y === 2024 ? '2025-04-30' : `${y}-12-31`;
  majLines.push(line([m.year, m.m1, m.m2, m.m3, m.m4, m.tnmn, debut, fin, m.confidence_majorations, m.confidence_tnmn, m.source.replace(/\s+/g, ' ')]));
}
writeFileSync(join(out, 'majorations.csv'), majLines.join('\n') + '\n');

// --- coûts moyens per year
rmSync(join(out, 'couts-moyens'), { recursive: true, force: true });
mkdirSync(join(out, 'couts-moyens'), { recursive: true });
const cm = readCsv(join(src, 'couts_moyens.csv'));
const cmYears = new Map<number, Row[]>();
for (const r of cm) {
  const y = Number(r.year);
  if (y < 2016) continue; // outside the engine's years (2017–2027 rates)
  if (!cmYears.has(y)) cmYears.set(y, []);
  cmYears.get(y)!.push(r);
}
const CAT: Record<string, string> = { gros_oeuvre: 'BTP_GROS_OEUVRE', second_oeuvre: 'BTP_SECOND_OEUVRE', fonctions_support: 'BTP_FONCTIONS_SUPPORT' };
for (const [y, rows] of [...cmYears].sort((a, b) => a[0] - b[0])) {
  const lines = [
    `# Coûts moyens ${y} (CSS D.242-6-6, annexe 2 de l'arrêté annuel), en euros, par CTN et catégorie. B-AM : BTP d'Alsace-Moselle.`,
    '# Seules les cellules publiées et retrouvées figurent ; une cellule absente est inconnue. confiance : C, S2, S1, S1-conflit.',
    'ctn;categorie;montant;confiance;source',
  ];
  for (const r of rows) {
    const conf = r.confidence === 'S1-conflict' ? 'S1-conflit' : r.confidence;
    const src = r.note ? `${r.source} — ${r.note}` : r.source;
    lines.push(line([r.ctn, CAT[r.category] ?? r.category, r.amount_eur, conf, src.replace(/\s+/g, ' ')]));
  }
  writeFileSync(join(out, 'couts-moyens', `${y}.csv`), lines.join('\n') + '\n');
}
console.log('reference/ rebuilt from', src);

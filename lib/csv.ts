/**
 * Small CSV files read whole (référentiel, barèmes): header row, `;` or `,` (detected on the header),
 * UTF-8 with or without BOM, `#` comment lines, and the physical line number of every row for error messages.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { InputRejected, UserError } from './errors.ts';

export interface CsvRow {
  /** 1-based physical line of the row in the file */
  line: number;
  values: Record<string, string>;
}

export interface CsvTable {
  header: string[];
  delimiter: ';' | ',';
  rows: CsvRow[];
  /** line of the header */
  headerLine: number;
}

export function detectDelimiter(headerLine: string): ';' | ',' {
  const semis = (headerLine.match(/;/g) ?? []).length;
  const commas = (headerLine.match(/,/g) ?? []).length;
  return semis >= commas && semis > 0 ? ';' : ',';
}

export function parseCsv(text: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const headerIdx = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headerIdx < 0) return { header: [], delimiter: ';', rows: [], headerLine: 0 };
  const delimiter = detectDelimiter(lines[headerIdx]);
  const parsed = parse(text, {
    delimiter,
    comment: '#',
    comment_no_infix: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    trim: false,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const records = parsed.map((r) => Object.assign(r.record, { __line: r.info.lines }));
  const [head, ...body] = records;
  const header = head.map((h) => h.trim().toLowerCase());
  const rows: CsvRow[] = body.map((rec) => {
    const values: Record<string, string> = {};
    header.forEach((h, i) => (values[h] = (rec[i] ?? '').trim()));
    if (rec.length > header.length) values.__extra = rec.slice(header.length).join(delimiter);
    return { line: rec.__line, values };
  });
  return { header, delimiter, rows, headerLine: head.__line };
}

/** Writes one CSV cell, quoting when needed (input files: the value is written as is). */
export const csvCell = (v: string, delimiter = ';') =>
  v.includes(delimiter) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;

/** A number as the exports write it: sign, digits (thousands separated by spaces), `.` or `,` decimals, `%`. */
const NOMBRE_EXPORT = /^[-+]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*(?:[.,]\d+)?\s?%?$|^[-+]?\d+(?:[.,]\d+)?(?:e[-+]?\d+)?$/i;

/**
 * Spreadsheet-injection guard for the CSV exports (OWASP "CSV injection"): a text cell starting with `=`, `+`, `-`,
 * `@`, tab or CR would be run as a formula by Excel or LibreOffice; it is prefixed with an apostrophe, which the
 * spreadsheet shows as text. Numbers (a negative variation, `-1,5`) are left as they are, so numeric columns stay
 * numeric: only text is neutralised.
 */
export function neutraliserCellule(v: string): string {
  if (!/^[=+\-@\t\r]/.test(v)) return v;
  return NOMBRE_EXPORT.test(v) ? v : `'${v}`;
}

/** One cell of a CSV export: neutralised, then quoted when needed. */
export const celluleExport = (v: string, delimiter = ';') => csvCell(neutraliserCellule(v), delimiter);

export interface FichierCsv {
  fichier: string;
  sha256: string;
  table: CsvTable;
}

/** Reads a CSV file (UTF-8, BOM accepted); an unreadable or non UTF-8 file is rejected as a whole. */
export function lireFichierCsv(fichier: string): FichierCsv {
  let bytes: Buffer;
  try {
    bytes = readFileSync(fichier);
  } catch (e) {
    throw new UserError(`${fichier}: illisible (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const text = bytes.toString('utf8');
  const rejete = `${fichier}: rejeté, rien n'a été chargé`;
  if (text.includes('\ufffd')) throw new InputRejected([{ file: fichier, line: 1, reason: 'fichier non UTF-8' }], rejete);
  try {
    return { fichier, sha256, table: parseCsv(text) };
  } catch (e) {
    const m = /line (\d+)/i.exec((e as Error).message);
    throw new InputRejected([{ file: fichier, line: m ? Number(m[1]) : 1, reason: `CSV mal formé : ${(e as Error).message}` }], rejete);
  }
}

/**
 * Lists (tasks, alerts, drains, …) in every output format from one declaration of their columns:
 * - table: a heading per section that says its zone ("Tasks in prod (3; times in UTC):"), the columns that are
 *   not wide-only, long free text cut; on a terminal fitted to its width and coloured;
 * - wide: every column, nothing cut; csv: every column, times as ISO 8601 with the offset of --tz;
 * - json, yaml: the records themselves, every section's in one document.
 * A list cut by --limit says so ("showing 100 of at least 101 — …"), with the --next-token of its next page when
 * it has one (`tasks`, `stops`): after its table, or on standard error beside json, csv and yaml, so standard
 * output stays machine-readable (json and yaml print the rows as an array, unchanged by a cut).
 */
import { renderTable, shortTime, truncate } from './format.js';
import { type Printer, paint } from './output.js';
import { isoInZone } from './time.js';
import { UsageError } from './usage.js';

/** How a cell shows a time: in --tz on the wall clock (tables), or as ISO 8601 with its offset (csv). */
export interface Show {
  time(value: unknown): string;
  /** The zone those times are in, for output that names it once (ecs-ops task). */
  zone?: string;
}

/** Times as shortTime writes them, in UTC: the default of the plain renderers (tests, the id resolver). */
export const UTC: Show = { time: shortTime, zone: 'UTC' };

export interface Column<T> {
  header: string;
  cell: (row: T, show: Show) => string;
  /** Shown with -o wide and in csv only. */
  wide?: boolean;
  /**
   * Free text: cut to this many characters in a table (not wide; FIT_ONLY: no cut of its own), and the first cut
   * to fit a terminal.
   */
  free?: number;
  /** Coloured by its value on a terminal (a status, outcome or severity). */
  tone?: boolean;
}

export interface Section<T> {
  /** "Tasks in prod" */
  title: string;
  rows: readonly T[];
  /** More rows exist than --limit let through. */
  more: boolean;
  /** With `more`, the flags that list the next page: `--next-token <token>` (pages.ts). */
  next?: string | undefined;
}

export interface List<T> {
  columns: readonly Column<T>[];
  sections: readonly Section<T>[];
  /** --limit, for the notice of a cut list. */
  limit: number;
  /** What json and yaml print of a row (default: the row). */
  record?: (row: T) => unknown;
}

/** A free-text column cut only to fit a terminal. */
export const FIT_ONLY = Number.POSITIVE_INFINITY;

export const DEFAULT_LIMIT = 100;

/** --limit: a whole number; 0 lists everything. */
export function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  const value = Number(limit);
  if (limit.trim() === '' || !Number.isInteger(value) || value < 0)
    throw new UsageError(`--limit ${limit}: expected a whole number ≥ 1, or 0 for all`);
  return value;
}

/** How many rows to read to know whether --limit cuts the list: one more (undefined: all, for --limit 0). */
export const fetchSize = (limit: number): number | undefined => (limit === 0 ? undefined : limit + 1);

/** The first `limit` rows (all for 0), and whether there were more. */
export function cut<T>(rows: readonly T[], limit: number): { rows: T[]; more: boolean } {
  if (limit === 0 || rows.length <= limit) return { rows: [...rows], more: false };
  return { rows: rows.slice(0, limit), more: true };
}

/**
 * "showing 100 of at least 101 — use --limit 500 or --limit 0 for all"; with the flags of the next page,
 * "… — use --limit 500, --limit 0 for all, or --next-token <token> for the next page".
 */
export const limitNotice = (limit: number, next?: string): string =>
  next === undefined
    ? `showing ${limit} of at least ${limit + 1} — use --limit ${limit * 5} or --limit 0 for all`
    : `showing ${limit} of at least ${limit + 1} — use --limit ${limit * 5}, --limit 0 for all, or ${next} for the next page`;

export function printList<T>(printer: Printer, list: List<T>): void {
  const { format } = printer;
  const notices = list.sections.filter((section) => section.more);
  if (format === 'json' || format === 'yaml') {
    const record = list.record ?? ((row: T) => row);
    printer.document(list.sections.flatMap((section) => section.rows.map(record)));
  } else if (format === 'csv') {
    printCsv(printer, list);
  } else {
    for (const section of list.sections) {
      printer.out(`${section.title} (${section.rows.length}; times in ${printer.timeZone}):`);
      printer.out(section.rows.length === 0 ? '  none' : table(printer, list.columns, section.rows));
      if (section.more) printer.out(limitNotice(list.limit, section.next));
    }
    return;
  }
  for (const section of notices) printer.note(`${section.title}: ${limitNotice(list.limit, section.next)}`);
}

function table<T>(printer: Printer, all: readonly Column<T>[], rows: readonly T[]): string {
  const wide = printer.format === 'wide';
  const columns = wide ? all : all.filter((column) => !column.wide);
  const show: Show = { time: (value) => printer.time(value) };
  const cells = rows.map((row) =>
    columns.map((column) => {
      const cell = column.cell(row, show);
      return !wide && column.free !== undefined ? truncate(cell, column.free) : cell;
    }),
  );
  const { terminal } = printer;
  const tone = new Set(columns.flatMap((column, index) => (column.tone ? [index] : [])));
  return renderTable(
    columns.map((column) => column.header),
    cells,
    {
      free: columns.flatMap((column, index) => (column.free === undefined ? [] : [index])),
      ...(terminal?.columns === undefined || wide ? {} : { width: terminal.columns }),
      ...(terminal?.colour ? { paint: (cell, column) => (tone.has(column) ? paint(cell) : cell) } : {}),
    },
  );
}

function printCsv<T>(printer: Printer, list: List<T>): void {
  const show: Show = { time: (value) => isoInZone(value, printer.timeZone) };
  printer.out(csvLine(list.columns.map((column) => column.header)));
  for (const section of list.sections)
    for (const row of section.rows)
      printer.out(csvLine(list.columns.map((column) => column.cell(row, show))));
}

/** One CSV record (RFC 4180): a field with a comma, a quote, a line break or edge spaces is quoted. */
export function csvLine(fields: readonly string[]): string {
  return fields
    .map((field) => (/[",\r\n]|^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field))
    .join(',');
}

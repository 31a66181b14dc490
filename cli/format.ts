/** Plain-text tables and small formatting helpers for human output. */
import { wallTime } from './time.js';

export interface TableStyle {
  /** Columns of free text (by index): on a narrow terminal the widest of them is cut first, with "…". */
  free?: readonly number[];
  /** The width to fit in (a terminal's columns); unset: as wide as the cells. */
  width?: number;
  /** Colours a cell once its width is measured (ANSI codes take no room on screen). */
  paint?: (cell: string, column: number) => string;
}

/** A free-text column is never cut narrower than this (or its header). */
const MIN_FREE_WIDTH = 12;

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  style: TableStyle = {},
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  if (style.width !== undefined) fitColumns(widths, headers, style.free ?? [], style.width);
  const paint = style.paint ?? ((cell: string) => cell);
  const line = (cells: readonly string[], painted: boolean) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const shown = truncate(cell, width);
        const padding = column === cells.length - 1 ? '' : ' '.repeat(width - shown.length);
        return `${painted ? paint(shown, column) : shown}${padding}`;
      })
      .join('  ')
      .trimEnd();
  return [line(headers, false), ...rows.map((row) => line(row, true))].join('\n');
}

/**
 * Narrows the widest free-text column a character at a time (so several end up equally wide) until the table
 * fits `width`, or no free-text column can give more.
 */
function fitColumns(
  widths: number[],
  headers: readonly string[],
  free: readonly number[],
  width: number,
): void {
  const floor = (column: number) => Math.max(MIN_FREE_WIDTH, headers[column]?.length ?? 0);
  let total = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  while (total > width) {
    let widest: number | undefined;
    for (const column of free) {
      const w = widths[column] ?? 0;
      if (w > floor(column) && (widest === undefined || w > (widths[widest] ?? 0))) widest = column;
    }
    if (widest === undefined) return;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
}

/** "2024-05-01T12:40:02.123Z" → "2024-05-01 12:40:02" (UTC); empty for missing values. */
export function shortTime(value: unknown): string {
  return wallTime(value, 'UTC');
}

/** The last path segment of an ARN: a task or container instance id. */
export { lastSegment as shortId } from '../lib/platform/arn.js';

export const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Plain-text tables and small formatting helpers for human output. */

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "2024-05-01T12:40:02.123Z" → "2024-05-01 12:40:02"; empty for missing values. */
export function shortTime(value: unknown): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return '';
  return new Date(value).toISOString().slice(0, 19).replace('T', ' ');
}

/** The last path segment of an ARN: a task or container instance id. */
export { lastSegment as shortId } from '../lib/platform/arn.js';

export const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

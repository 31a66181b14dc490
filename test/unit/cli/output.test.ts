/**
 * How lists print (cli/list.ts, cli/output.ts, cli/format.ts): table, wide, csv, json and yaml from one
 * declaration of columns; a table's heading names the zone of its times; on a terminal a table fits its width
 * and colours statuses, never with NO_COLOR set; a list cut by --limit says so, off standard output when that
 * must stay machine-readable.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderTable } from '../../../cli/format.js';
import {
  type Column,
  csvLine,
  cut,
  fetchSize,
  type List,
  limitNotice,
  parseLimit,
  printList,
} from '../../../cli/list.js';
import type { OutputFormat } from '../../../cli/options.js';
import { paint, printerOf, type Terminal, terminalOf, toneOf } from '../../../cli/output.js';

interface Row {
  id: string;
  status: string;
  at: string;
  note: string;
}

const COLUMNS: Column<Row>[] = [
  { header: 'ID', cell: (row) => row.id },
  { header: 'STATUS', tone: true, cell: (row) => row.status },
  { header: 'AT', cell: (row, show) => show.time(row.at) },
  { header: 'NOTE', free: 20, cell: (row) => row.note },
  { header: 'DETAIL', wide: true, cell: (row) => `detail of ${row.id}` },
];

const ROWS: Row[] = [
  { id: 'a1', status: 'RUNNING', at: '2024-05-01T12:00:00.000Z', note: 'short' },
  {
    id: 'b2',
    status: 'STOPPED',
    at: '2024-05-01T13:30:00.000Z',
    note: 'a note that is much longer than twenty',
  },
];

function print(
  format: OutputFormat,
  list: Partial<List<Row>> = {},
  options: { tz?: string; terminal?: Terminal } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const printer = printerOf({
    options: { output: format, err: (line) => err.push(line), ...options },
    out: (line) => out.push(line),
  });
  printList(printer, {
    columns: COLUMNS,
    sections: [{ title: 'Things in prod', rows: ROWS, more: false }],
    limit: 100,
    ...list,
  });
  return { out: out.join('\n'), err: err.join('\n') };
}

const ESC = '\u001b[';

describe('table', () => {
  it('has a heading with the count and the zone of its times, then the columns that are not wide-only', () => {
    expect(print('table').out.split('\n')).toEqual([
      'Things in prod (2; times in UTC):',
      'ID  STATUS   AT                   NOTE',
      'a1  RUNNING  2024-05-01 12:00:00  short',
      'b2  STOPPED  2024-05-01 13:30:00  a note that is much…',
    ]);
  });

  it('shows times in --tz and says so', () => {
    const lines = print('table', {}, { tz: 'Europe/Paris' }).out.split('\n');
    expect(lines[0]).toBe('Things in prod (2; times in Europe/Paris):');
    expect(lines[2]).toContain('2024-05-01 14:00:00');
  });

  it('says none for an empty section', () => {
    const { out } = print('table', { sections: [{ title: 'Things in prod', rows: [], more: false }] });
    expect(out).toBe('Things in prod (0; times in UTC):\n  none');
  });
});

describe('-o wide', () => {
  it('shows every column, and free text whole', () => {
    const lines = print('wide').out.split('\n');
    expect(lines[1]).toMatch(/^ID +STATUS +AT +NOTE +DETAIL$/);
    expect(lines[3]).toContain('a note that is much longer than twenty  detail of b2');
  });

  it('is not fitted to the terminal', () => {
    const { out } = print('wide', {}, { terminal: { columns: 40, colour: false } });
    expect(out).toContain('a note that is much longer than twenty');
  });
});

describe('-o csv', () => {
  it('has a header and every column; times are ISO 8601 with the offset of --tz', () => {
    expect(print('csv', {}, { tz: 'Europe/Paris' }).out.split('\n')).toEqual([
      'ID,STATUS,AT,NOTE,DETAIL',
      'a1,RUNNING,2024-05-01T14:00:00+02:00,short,detail of a1',
      'b2,STOPPED,2024-05-01T15:30:00+02:00,a note that is much longer than twenty,detail of b2',
    ]);
    expect(print('csv').out).toContain('2024-05-01T12:00:00Z');
  });

  it('quotes a field with a comma, a quote, a line break or edge spaces (RFC 4180)', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', ' padded', 'cr\r', ''])).toBe(
      'plain,"a,b","say ""hi""","two\nlines"," padded","cr\r",',
    );
  });

  it('puts every section in one table, and never colours', () => {
    const { out } = print(
      'csv',
      {
        sections: [
          { title: 'Things in prod', rows: [ROWS[0] as Row], more: false },
          { title: 'Things in batch', rows: [ROWS[1] as Row], more: false },
        ],
      },
      { terminal: { columns: 20, colour: true } },
    );
    expect(out.split('\n')).toHaveLength(3);
    expect(out).not.toContain(ESC);
  });
});

describe('-o json and -o yaml', () => {
  it('print the records of every section as one document', () => {
    const json = JSON.parse(print('json').out) as Row[];
    expect(json).toEqual(ROWS);
    expect(parseYaml(print('yaml').out)).toEqual(ROWS);
    expect(print('yaml').out).toMatch(/^- id: a1\n {2}status: RUNNING\n/);
  });

  it('print what `record` makes of a row', () => {
    expect(JSON.parse(print('json', { record: (row) => row.id }).out)).toEqual(['a1', 'b2']);
  });
});

describe('a list cut by --limit', () => {
  const cutList = { sections: [{ title: 'Things in prod', rows: ROWS, more: true }], limit: 2 };

  it('says so after its table', () => {
    const { out, err } = print('table', cutList);
    expect(out.split('\n').at(-1)).toBe('showing 2 of at least 3 — use --limit 10 or --limit 0 for all');
    expect(err).toBe('');
  });

  it.each(['json', 'csv', 'yaml'] as const)(
    'says so on standard error with -o %s, so standard output stays machine-readable',
    (format) => {
      const { out, err } = print(format, cutList);
      expect(out).not.toContain('showing');
      expect(err).toBe(
        'ecs-ops: Things in prod: showing 2 of at least 3 — use --limit 10 or --limit 0 for all',
      );
    },
  );

  it('offers the --next-token of the next page when the list has one, in a table and on standard error', () => {
    const paged = {
      sections: [{ title: 'Things in prod', rows: ROWS, more: true, next: '--next-token abc.def' }],
      limit: 2,
    };
    const notice =
      'showing 2 of at least 3 — use --limit 10, --limit 0 for all, or --next-token abc.def for the next page';
    expect(print('table', paged).out.split('\n').at(-1)).toBe(notice);
    expect(print('json', paged).err).toBe(`ecs-ops: Things in prod: ${notice}`);
    // The document is the rows, as without a token.
    expect(JSON.parse(print('json', paged).out)).toEqual(ROWS);
    expect(limitNotice(100, '--cluster prod --next-token t')).toBe(
      'showing 100 of at least 101 — use --limit 500, --limit 0 for all, or --cluster prod --next-token t for the next page',
    );
  });

  it('reads one more than --limit to know, and keeps --limit of them', () => {
    expect(fetchSize(100)).toBe(101);
    expect(fetchSize(0)).toBeUndefined();
    expect(cut([1, 2, 3], 2)).toEqual({ rows: [1, 2], more: true });
    expect(cut([1, 2], 2)).toEqual({ rows: [1, 2], more: false });
    expect(cut([1, 2, 3], 0)).toEqual({ rows: [1, 2, 3], more: false });
    expect(limitNotice(100)).toBe('showing 100 of at least 101 — use --limit 500 or --limit 0 for all');
  });

  it('--limit is a whole number, 0 for all, 100 by default', () => {
    expect(parseLimit(undefined)).toBe(100);
    expect(parseLimit('0')).toBe(0);
    expect(parseLimit('25')).toBe(25);
    for (const bad of ['-1', '1.5', 'ten', ''])
      expect(() => parseLimit(bad)).toThrow(`--limit ${bad}: expected a whole number ≥ 1, or 0 for all`);
  });
});

describe('on a terminal', () => {
  it('is one only when standard output is a TTY; colour unless NO_COLOR is set (any value) or TERM=dumb', () => {
    expect(terminalOf({ isTTY: false, columns: 80 }, {})).toBeUndefined();
    expect(terminalOf({}, {})).toBeUndefined();
    expect(terminalOf({ isTTY: true, columns: 80 }, {})).toEqual({ columns: 80, colour: true });
    expect(terminalOf({ isTTY: true, columns: 80 }, { NO_COLOR: '1' })).toEqual({
      columns: 80,
      colour: false,
    });
    expect(terminalOf({ isTTY: true, columns: 80 }, { NO_COLOR: '' })).toEqual({
      columns: 80,
      colour: false,
    });
    expect(terminalOf({ isTTY: true }, { TERM: 'dumb' })).toEqual({ colour: false });
  });

  it('colours status cells only: STOPPED red, RUNNING green, padding left outside the colour', () => {
    const { out } = print('table', {}, { terminal: { colour: true } });
    const lines = out.split('\n');
    expect(lines[1]).not.toContain(ESC);
    expect(lines[2]).toBe(`a1  ${ESC}32mRUNNING${ESC}39m  2024-05-01 12:00:00  short`);
    expect(lines[3]).toContain(`${ESC}31mSTOPPED${ESC}39m  2024-05-01`);
  });

  it('never colours without a colour terminal (NO_COLOR, a pipe)', () => {
    expect(print('table', {}, { terminal: { colour: false } }).out).not.toContain(ESC);
    expect(print('table').out).not.toContain(ESC);
  });

  it('fits the table to its width, cutting the widest free-text column with …', () => {
    const { out } = print(
      'table',
      { sections: [{ title: 'Things in prod', rows: ROWS, more: false }] },
      { terminal: { columns: 50, colour: false } },
    );
    const lines = out.split('\n').slice(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(50);
    expect(lines[2]).toBe('b2  STOPPED  2024-05-01 13:30:00  a note that is…');
  });

  it('leaves a table wider than the terminal when no free-text column can give more', () => {
    const table = renderTable(['A', 'B'], [['x'.repeat(30), 'y'.repeat(30)]], { width: 40, free: [] });
    expect(table.split('\n')[1]).toHaveLength(62);
  });

  it('narrows several free-text columns to the same width, never below their floor', () => {
    const table = renderTable(['ID', 'ONE', 'TWO'], [['1', 'a'.repeat(40), 'b'.repeat(30)]], {
      width: 50,
      free: [1, 2],
    });
    const row = table.split('\n')[1] as string;
    expect(row.length).toBeLessThanOrEqual(50);
    expect(row).toBe(`1   ${'a'.repeat(21)}…  ${'b'.repeat(21)}…`);
  });
});

describe('tones', () => {
  it.each([
    ['STOPPED', 'red'],
    ['failed', 'red'],
    ['critical', 'red'],
    ['failed: api-error', 'red'],
    ['RUNNING', 'green'],
    ['RUNNING (missing since 2024-05-01 12:00:00)', 'green'],
    ['ok', 'green'],
    ['succeeded', 'green'],
    ['released', 'green'],
    ['DRAINING', 'yellow'],
    ['PENDING', 'yellow'],
    ['medium', 'yellow'],
    ['scale-out', undefined],
    ['', undefined],
  ])('%s is %s', (value, tone) => {
    expect(toneOf(value)).toBe(tone);
  });

  it('paints nothing without a tone', () => {
    expect(paint('low')).toBe('low');
  });
});

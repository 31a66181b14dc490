import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitCode, reasonShape } from '../../../cli/commands/replay.js';
import { Progress, progressLine } from '../../../cli/progress.js';
import { readRecords, toRecords } from '../../../cli/replay-input.js';
import { loadEvent } from '../../support/fixtures.js';

const RUNNING = JSON.stringify(loadEvent('ecs/task/fargate-running.json'));
const PENDING = JSON.stringify(loadEvent('ecs/task/fargate-pending.json'));

/** The records of `text` delivered `size` bytes at a time, as a slow pipe would. */
async function read(text: string | Buffer, size = 7) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  const records = [];
  for await (const record of readRecords(Readable.from(chunks), 'test.jsonl')) records.push(record);
  return records;
}

describe('replay input', () => {
  it('reads JSON Lines line by line, numbering lines as an editor does (blank lines skipped, CRLF trimmed)', async () => {
    const text = `${RUNNING}\r\n\r\nnot json\n   \n${PENDING}`;
    const expected = [
      { id: 'line 1', body: RUNNING },
      { id: 'line 3', body: 'not json' },
      { id: 'line 5', body: PENDING },
    ];
    expect(await read(text)).toEqual(expected);
    expect(await read(text, 1 << 16)).toEqual(expected);
    expect(toRecords(text, 'test.jsonl')).toEqual(expected);
  });

  it('skips a byte order mark at the start of the file, and keeps characters split across chunks whole', async () => {
    const text = `\uFEFF${JSON.stringify({ note: 'Zürich ☃ 🚀' })}\n${RUNNING}\n`;
    for (const size of [1, 2, 3, 5]) {
      const records = await read(text, size);
      expect(records.map(({ id }) => id)).toEqual(['line 1', 'line 2']);
      expect(JSON.parse(records[0]?.body ?? '')).toEqual({ note: 'Zürich ☃ 🚀' });
    }
    expect(toRecords(text, 'x')[0]?.body.startsWith('{')).toBe(true);
  });

  it('reads a file whose first non-space character is [ as one JSON array, even after a BOM', async () => {
    const text = `\uFEFF \n[${RUNNING},\n${PENDING}]`;
    const records = await read(text);
    expect(records.map(({ id }) => id)).toEqual(['item 1', 'item 2']);
    expect(JSON.parse(records[1]?.body ?? '')).toEqual(JSON.parse(PENDING));
    await expect(read('[1, 2')).rejects.toThrow(/starts like a JSON array but is not valid JSON/);
  });

  it('reads one pretty-printed envelope as one record, and a broken one line by line', async () => {
    const pretty = JSON.stringify(JSON.parse(RUNNING), null, 2);
    expect(await read(pretty)).toEqual([{ id: 'item 1', body: RUNNING }]);
    const broken = await read(`{\n  "detail": \n${RUNNING}\n${PENDING}`);
    expect(broken.map(({ id }) => id)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(broken[2]?.body).toBe(RUNNING);
  });

  it('holds only the current line: a long file streams', async () => {
    const lines = Array.from({ length: 2000 }, (_, index) => (index % 100 === 5 ? '{oops' : RUNNING));
    const records = await read(lines.join('\n'), 4096);
    expect(records).toHaveLength(2000);
    expect(records.filter(({ body }) => body === '{oops').map(({ id }) => id)[0]).toBe('line 6');
  });
});

describe('replay summary helpers', () => {
  it('groups reasons that differ only in the value they quote', () => {
    expect(reasonShape('expected a number, got "7" (a string)')).toBe('expected a number…');
    expect(reasonShape('expected a number, got "8" (a string)')).toBe('expected a number…');
    expect(
      reasonShape(
        `not JSON (Unexpected token 'o', "not json" is not valid JSON); send the EventBridge event as JSON`,
      ),
    ).toBe('not JSON (…); send the EventBridge event as JSON');
    expect(reasonShape('missing; expected a string')).toBe('missing; expected a string');
  });

  it('exits 1 when any record failed, 2 when only invalid ones, else 0', () => {
    const one = [{}] as never[];
    expect(exitCode({ failed: one, invalid: one })).toBe(1);
    expect(exitCode({ failed: one, invalid: [] })).toBe(1);
    expect(exitCode({ failed: [], invalid: one })).toBe(2);
    expect(exitCode({ failed: [], invalid: [] })).toBe(0);
  });

  it('draws a progress bar on a terminal only, after the first half second, and wipes it when done', () => {
    let now = 0;
    const written: string[] = [];
    const tty = new Progress(
      'replay',
      { isTTY: true, columns: 100, write: (text) => written.push(text) },
      () => now,
    );
    tty.update({ records: 10, bytes: 100, totalBytes: 1000 });
    expect(written).toEqual([]);
    now = 2000;
    tty.update({ records: 8000, bytes: 5 * 1024 * 1024, totalBytes: 10 * 1024 * 1024 });
    expect(written[0]).toMatch(/^\rreplay \[#+-+\] {2}50% {2}5\.0\/10\.0 MB {2}8,000 records {2}4,000\/s/);
    tty.done();
    expect(written.at(-1)).toBe('\r\u001b[K');

    const piped: string[] = [];
    const quiet = new Progress('replay', { isTTY: false, write: (text) => piped.push(text) }, () => now);
    now = 10_000;
    quiet.update({ records: 1, bytes: 1 });
    quiet.done();
    expect(piped).toEqual([]);
    expect(progressLine('replay', { records: 3, bytes: 2 * 1024 * 1024 }, 1)).toBe(
      'replay  2.0 MB read  3 records  3/s',
    );
  });
});

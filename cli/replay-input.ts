/**
 * The records of a replay file, read as a stream: a file whose first non-space character is `[` is one JSON
 * array (ids are item numbers); anything else is JSON Lines, judged line by line (ids are line numbers), so
 * one bad line never refuses the file. A file holding one pretty-printed envelope (as those in events/ do) is
 * recognised too: its first line is not JSON on its own and the whole file is one JSON object.
 *
 * Lines are split as bytes arrive and handed on at once; only the current line is held.
 */
import type { BatchRecord } from '../lib/reconcile/reconcile.js';
import { UsageError } from './usage.js';

const BOM = '\uFEFF';
/** The most a pretty-printed document may hold before the file is taken for JSON Lines after all. */
const PRETTY_DOCUMENT_LIMIT = 8 * 1024 * 1024;

/**
 * Turns lines into records. Blank lines are skipped (they still count for the line numbers). While the file
 * may be one pretty-printed document, its lines are held back (up to PRETTY_DOCUMENT_LIMIT characters) until
 * a line that is a JSON object by itself shows it is JSON Lines, or the end shows what it was.
 */
class LineRecords {
  private line = 0;
  private seenContent = false;
  private held: { line: number; text: string }[] | undefined;
  private heldSize = 0;

  push(raw: string): BatchRecord[] {
    this.line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = text.trim();
    if (trimmed === '' && this.held === undefined) return [];
    if (!this.seenContent) {
      this.seenContent = true;
      if (trimmed.startsWith('{') && !isJson(trimmed)) {
        this.held = [{ line: this.line, text }];
        this.heldSize = text.length;
        return [];
      }
    }
    if (this.held === undefined) return [{ id: `line ${this.line}`, body: text }];
    this.held.push({ line: this.line, text });
    this.heldSize += text.length + 1;
    const standsAlone =
      trimmed.startsWith('{') && trimmed.endsWith('}') && trimmed !== '{}' && isJson(trimmed);
    return standsAlone || this.heldSize > PRETTY_DOCUMENT_LIMIT ? this.release() : [];
  }

  end(): BatchRecord[] {
    if (this.held === undefined) return [];
    const document = this.held.map(({ text }) => text).join('\n');
    try {
      const value: unknown = JSON.parse(document);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        this.held = undefined;
        return [{ id: 'item 1', body: JSON.stringify(value) }];
      }
    } catch {
      // Not one document: its lines are JSON Lines like any other.
    }
    return this.release();
  }

  private release(): BatchRecord[] {
    const records = (this.held ?? [])
      .filter(({ text }) => text.trim() !== '')
      .map(({ line, text }) => ({ id: `line ${line}`, body: text }));
    this.held = undefined;
    return records;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function arrayRecords(text: string, source: string): BatchRecord[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${source} starts like a JSON array but is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(items)) throw new UsageError(`${source} starts like a JSON array but is not one`);
  return items.map((item, index) => ({ id: `item ${index + 1}`, body: JSON.stringify(item) }));
}

/**
 * The records of a stream of bytes (a file or standard input), as they arrive. `onBytes` hears the running
 * total of bytes read, for progress.
 */
export async function* readRecords(
  chunks: AsyncIterable<Buffer | string>,
  source: string,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<BatchRecord> {
  const decoder = new TextDecoder('utf-8');
  const lines = new LineRecords();
  let mode = 'start' as 'start' | 'lines' | 'array';
  let pending: string[] = [];
  let bytes = 0;
  const take = function* (chunk: string): Generator<BatchRecord> {
    let text = chunk;
    if (mode === 'start') {
      text = pending.join('') + text;
      if (text.startsWith(BOM)) text = text.slice(1);
      pending = [];
      const first = /\S/.exec(text);
      if (first === null) {
        pending.push(text);
        return;
      }
      mode = text[first.index] === '[' ? 'array' : 'lines';
    }
    if (mode === 'array') {
      pending.push(text);
      return;
    }
    let from = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
      const part = text.slice(from, newline);
      const line = pending.length === 0 ? part : pending.join('') + part;
      pending = [];
      from = newline + 1;
      yield* lines.push(line);
    }
    if (from < text.length) pending.push(text.slice(from));
  };
  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    onBytes?.(bytes);
    yield* take(decoder.decode(buffer, { stream: true }));
  }
  yield* take(decoder.decode());
  if (mode === 'array') {
    yield* arrayRecords(pending.join(''), source);
    return;
  }
  if (pending.length > 0) yield* lines.push(pending.join(''));
  yield* lines.end();
}

/** The records of a whole text at once (`ecs-ops demo` reads its stream so), by the same rules. */
export function toRecords(input: string, source: string): BatchRecord[] {
  const text = input.startsWith(BOM) ? input.slice(1) : input;
  if (text.trimStart().startsWith('[')) return arrayRecords(text, source);
  const lines = new LineRecords();
  const records = text.split('\n').flatMap((line) => lines.push(line));
  return [...records, ...lines.end()];
}

import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../lib/platform/dead-letters/dead-letter.js';

/** The local dead-letter queue: one JSON line per refused record, appended to a file in the store folder. */
export class FileDeadLetters implements DeadLetterSink {
  constructor(readonly path: string) {}

  async send(letters: readonly DeadLetter[]): Promise<string[]> {
    if (letters.length === 0) return [];
    await mkdir(dirname(this.path), { recursive: true });
    const at = new Date().toISOString();
    await appendFile(this.path, letters.map((letter) => `${JSON.stringify({ at, ...letter })}\n`).join(''));
    return [];
  }
}

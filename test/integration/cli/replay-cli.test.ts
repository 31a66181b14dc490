/**
 * `ecs-ops replay` against a store that keeps failing: a failure outlasting redelivery beats invalid input
 * (exit 1), and the summary still groups the invalid lines.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCommand } from '../../../cli/commands/replay.js';
import type { CommandContext } from '../../../cli/context.js';
import { EcsOpsError } from '../../../lib/platform/errors.js';
import { loadEvent } from '../../support/fixtures.js';

function context(dir: string, out: string[]): CommandContext {
  const failing = () => Promise.reject(new EcsOpsError('throttled by the store', { retryable: true }));
  return {
    options: { store: 'local', dir, stage: 'dev', json: false },
    config: {
      reconcile: { batchSize: 2, writeConcurrency: 4 },
      retention: { stoppedDays: 30, historyDays: 90 },
    },
    store: { putLatest: failing, putHistory: failing },
    deadLetterFile: join(dir, 'dead-letters.jsonl'),
    out: (text: string) => out.push(text),
  } as unknown as CommandContext;
}

describe('ecs-ops replay with a failing store', () => {
  it('exits 1 when a record failed, even with invalid lines, and lists both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-replay-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, [JSON.stringify(loadEvent('ecs/task/fargate-running.json')), 'nope', '{'].join('\n'));
    const out: string[] = [];
    const written: string[] = [];
    const code = await replayCommand(context(dir, out), file, {
      progress: { isTTY: false, write: (text) => written.push(text) },
    });
    expect(code).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/failed\s+1\b/);
    expect(text).toMatch(/line 1: arn:aws:ecs:.*task\/.* v\d+: throttled by the store/);
    expect(text).toMatch(
      / {2}\(body\): not JSON \(…\); send the EventBridge event as JSON ×2 \(lines 2, 3\)/,
    );
    expect(written).toEqual([]);
  });
});

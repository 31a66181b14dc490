/** `ecs-ops alerts`: the journal of alerts read back from the local store, newest first. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertJournalEntry } from '../../../lib/alerts/model.js';
import { Journal } from '../../../lib/platform/journal.js';
import {
  ensureStateTable,
  LOCAL_STATE_TABLE,
  startLocalEngine,
} from '../../../local/dynamodb/local-engine.js';
import { runCaptured } from '../../support/cli-run.js';
import { PROJECT_ROOT } from '../../support/fixtures.js';

const root = PROJECT_ROOT;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-ops-alerts-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function journalOf(entries: AlertJournalEntry[]) {
  const engine = await startLocalEngine(dir);
  try {
    await ensureStateTable(engine.client, LOCAL_STATE_TABLE);
    const journal = new Journal({ tableName: LOCAL_STATE_TABLE, client: engine.client, retentionDays: 90 });
    for (const { at, ...fields } of entries) {
      await journal.append({
        at,
        kind: 'alert',
        subject: `${fields.cluster}/${fields.group}`,
        id: fields.taskArn ?? at,
        fields,
      });
    }
  } finally {
    engine.client.destroy();
    await engine.close();
  }
}

async function cli(...argv: string[]) {
  return runCaptured(['--dir', dir, '--config', join(root, 'ops.config.yml'), ...argv]);
}

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('ecs-ops alerts', () => {
  it('lists what alerting decided, newest first, with the subject of a page and the reason otherwise', async () => {
    await journalOf([
      {
        at: ago(30),
        outcome: 'sent',
        cluster: 'prod',
        group: 'service:api',
        taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/a1',
        exitClass: 'oom',
        severity: 'critical',
        subject: '[ecs-ops] prod api: OOM killed',
        reason: 'paged',
        messageId: 'm-1',
      },
      {
        at: ago(20),
        outcome: 'muted',
        cluster: 'prod',
        group: 'service:web',
        taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/b2',
        exitClass: 'app-error',
        severity: 'high',
        reason: 'web is being migrated',
      },
      { at: ago(60 * 30), outcome: 'not-incident', cluster: 'prod', group: 'service:web', reason: 'old' },
    ]);

    const { code, out } = await cli('alerts');

    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^Alerts since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(2; times in UTC\):$/);
    expect(lines[1]).toMatch(/^TIME\s+OUTCOME\s+CLUSTER\s+GROUP\s+CLASS\s+SEVERITY\s+SUBJECT OR REASON$/);
    expect(lines[2]).toMatch(/muted\s+prod\s+service:web\s+app-error\s+high\s+web is being migrated$/);
    expect(lines[3]).toMatch(
      /sent\s+prod\s+service:api\s+oom\s+critical\s+\[ecs-ops\] prod api: OOM killed$/,
    );
  });

  it('prints one JSON document with --json, honouring --since and --limit', async () => {
    await journalOf([
      {
        at: ago(10),
        outcome: 'grouped',
        cluster: 'prod',
        group: 'service:api',
        taskArn: 't1',
        reason: 'crash loop',
      },
      {
        at: ago(5),
        outcome: 'grouped',
        cluster: 'prod',
        group: 'service:api',
        taskArn: 't2',
        reason: 'crash loop',
      },
      {
        at: ago(60 * 47),
        outcome: 'sent',
        cluster: 'prod',
        group: 'service:api',
        taskArn: 't0',
        reason: 'paged',
      },
    ]);

    const recent = JSON.parse((await cli('alerts', '--json', '--limit', '1')).out) as AlertJournalEntry[];
    const twoDays = JSON.parse((await cli('alerts', '--json', '--since', '48h')).out) as AlertJournalEntry[];

    expect(recent.map((entry) => entry.taskArn)).toEqual(['t2']);
    expect(twoDays.map((entry) => [entry.outcome, entry.taskArn])).toEqual([
      ['grouped', 't2'],
      ['grouped', 't1'],
      ['sent', 't0'],
    ]);
  });

  it('refuses an argument and a bad --since with exit code 2', async () => {
    expect((await cli('alerts', 'prod')).code).toBe(2);
    const bad = await cli('alerts', '--since', '40');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--since 40: a bare number is not a time/);
  });
});

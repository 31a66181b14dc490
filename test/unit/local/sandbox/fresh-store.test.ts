/**
 * A sandbox run starts clean: what an earlier run left in --dir (the table's items, the functions' logs, the
 * mailbox) goes before anything starts; nothing else in the folder is touched.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../../../lib/platform/store/table.js';
import {
  ensureStateTable,
  LOCAL_STATE_TABLE,
  startLocalEngine,
} from '../../../../local/dynamodb/local-engine.js';
import { startClean } from '../../../../local/sandbox/fresh-store.js';

describe('startClean', async () => {
  const engine = await startLocalEngine();
  const store = { client: engine.client, tableName: LOCAL_STATE_TABLE };
  await ensureStateTable(engine.client, LOCAL_STATE_TABLE);
  afterAll(async () => {
    engine.client.destroy();
    await engine.close();
  });

  it('empties the table and removes logs/ and mailbox/, leaving the rest of the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-clean-'));
    await engine.client.send(
      new PutItemCommand({
        TableName: LOCAL_STATE_TABLE,
        Item: { [KEY.partition]: { S: 'task#earlier-run' }, [KEY.sort]: { S: 'latest' } },
      }),
    );
    for (const folder of ['logs', 'mailbox']) {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, 'earlier'), 'from the earlier run');
    }
    writeFileSync(join(dir, 'dead-letters.jsonl'), '{}\n');

    expect(await startClean(dir, store)).toEqual([`the items of ${LOCAL_STATE_TABLE}`, 'logs/', 'mailbox/']);
    const { Count } = await engine.client.send(new ScanCommand({ TableName: LOCAL_STATE_TABLE }));
    expect(Count).toBe(0);
    expect(existsSync(join(dir, 'logs'))).toBe(false);
    expect(existsSync(join(dir, 'mailbox'))).toBe(false);
    expect(existsSync(join(dir, 'dead-letters.jsonl'))).toBe(true);
  });

  it('says nothing was removed when the folder held no earlier run', async () => {
    expect(await startClean(mkdtempSync(join(tmpdir(), 'ecs-ops-clean-')), store)).toEqual([]);
  });
});

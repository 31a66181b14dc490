/**
 * The claim's rendered condition judged by DynamoDB itself, on each engine: for every case of who may claim a
 * page (test/support/page-claim-cases.ts), the conditional UpdateItem goes through exactly when isClaimable says.
 */
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { isClaimable } from '../../../../../lib/platform/notification/page-once.js';
import { claimUpdate, type PageAttributes } from '../../../../../lib/platform/notification/stored-page.js';
import { KEY } from '../../../../../lib/platform/store/table.js';
import { conditionalWrite } from '../../../../../lib/platform/store/table-io.js';
import { engines, freshStore, requireEngine } from '../../../../support/engines.js';
import { PAGE_CLAIM_CASES } from '../../../../support/page-claim-cases.js';

const NAMES: PageAttributes = { state: 'page', leaseUntil: 'pageLeaseUntil', messageId: 'pageMessageId' };

describe.each(engines())('a stored claim on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('is written exactly when isClaimable says, for every case', async () => {
    const { client, tableName } = await freshStore(engine);

    const claimed = await Promise.all(
      PAGE_CLAIM_CASES.map(async ({ page, at }, n) => {
        const key = { [KEY.partition]: `case#${n}`, [KEY.sort]: 'page' };
        const { state, leaseUntil, messageId } = page ?? {};
        const item = {
          ...key,
          [NAMES.state]: state,
          [NAMES.leaseUntil]: leaseUntil,
          [NAMES.messageId]: messageId,
        };
        await client.send(
          new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) }),
        );
        const write = client.send(
          new UpdateItemCommand({ TableName: tableName, Key: marshall(key), ...claimUpdate(NAMES, at) }),
        );
        return (await conditionalWrite(write)).written;
      }),
    );

    expect(claimed).toEqual(PAGE_CLAIM_CASES.map(({ page, at }) => isClaimable(page, at)));
    expect(claimed).toEqual(PAGE_CLAIM_CASES.map(({ claimable }) => claimable));
  });
});

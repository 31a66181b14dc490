import { describe, expect, it } from 'vitest';
import { type EcsEvent, parseEcsEvent } from '../../../../../lib/platform/events/ecs-event.js';
import { decodeDetail, encodeDetail } from '../../../../../lib/platform/store/detail-codec.js';
import {
  DetailTooLargeError,
  historyEntry,
  historyItem,
  type Item,
  itemSize,
  latestItem,
  MAX_ITEM_BYTES,
  type Retention,
  shardOf,
} from '../../../../../lib/platform/store/items.js';
import {
  INDEX,
  KEY,
  LATEST_ENTRY,
  TASK_STATUS_SHARDS,
  TTL_ATTRIBUTE,
} from '../../../../../lib/platform/store/table.js';
import {
  type Envelope,
  fixtureFiles,
  hexId,
  incompressible,
  instanceEvent,
  loadEvent,
  taskArn,
  taskEvent,
} from '../../../../support/fixtures.js';

const RETENTION: Retention = { stoppedDays: 30, historyDays: 90 };
const DAY = 86_400;

function eventOf(envelope: Envelope): EcsEvent {
  const result = parseEcsEvent(envelope);
  if (!result.ok) throw new Error(`fixture is invalid: ${result.error.field}: ${result.error.reason}`);
  return result.event;
}

const latestOf = (envelope: Envelope, retention = RETENTION) => latestItem(eventOf(envelope), retention);
const historyOf = (envelope: Envelope, retention = RETENTION) => historyItem(eventOf(envelope), retention);
const seconds = (isoTime: string) => Math.floor(Date.parse(isoTime) / 1000);

function decoded(item: Item): Record<string, unknown> {
  const bytes = item.detail?.B;
  if (bytes === undefined) throw new Error('the item has no detail');
  return decodeDetail(bytes);
}

/** The attributes only index keys use (byShortId sorts by the table's own `resource`, which every item has). */
const TABLE_KEYS: readonly string[] = [KEY.partition, KEY.sort];
const INDEX_ATTRIBUTES = Object.values(INDEX)
  .flatMap((index): string[] => [index.partition, index.sort])
  .filter((attribute) => !TABLE_KEYS.includes(attribute));

describe('latestItem of a task', () => {
  it('is keyed by "task/<id>" and the latest entry, with version, event time and status', () => {
    // Prepare
    const envelope = loadEvent('ecs/task/fargate-running.json');

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item[KEY.partition]).toEqual({ S: 'task/d637d4d4159ea6d323cdeb526fc0996b' });
    expect(item[KEY.sort]).toEqual({ S: LATEST_ENTRY });
    expect(item.version).toEqual({ N: '4' });
    expect(item.eventTime).toEqual({ S: envelope.time });
    expect(item.lastStatus).toEqual({ S: 'RUNNING' });
  });

  it('keys an old-format task ARN (task/<id>) by the same "task/<id>"', () => {
    // Act
    const item = latestOf(loadEvent('ecs/task/seed-sample.json'));

    // Assess
    expect(item[KEY.partition]).toEqual({ S: 'task/b99d40b3-5176-4f71-9a52-9dbd6f1cebef' });
  });

  it('indexes cluster name, the live bucket and shard for byStatus, by creation time', () => {
    // Prepare
    const envelope = loadEvent('ecs/task/fargate-running.json');
    const arn = envelope.detail.taskArn as string;

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item[INDEX.byStatus.partition]).toEqual({ S: `prod|task|live|${shardOf(arn)}` });
    expect(item[INDEX.byStatus.sort]).toEqual({ S: '2024-05-01T12:00:00.123Z' });
  });

  it.each([
    ['fargate-provisioning.json', 'live', 'createdAt', '2024-05-01T12:00:00.123Z'],
    ['fargate-pending.json', 'live', 'createdAt', '2024-05-01T12:00:00.123Z'],
    ['fargate-running.json', 'live', 'createdAt', '2024-05-01T12:00:00.123Z'],
    ['fargate-stopping.json', 'live', 'createdAt', '2024-05-01T12:00:00.123Z'],
    ['fargate-stopped.json', 'STOPPED', 'stoppedAt', '2024-05-01T12:41:04.373Z'],
  ])('files a task from %s under %s by its %s: one index move per lifetime', (file, bucket, _field, time) => {
    // Act
    const item = latestOf(loadEvent(`ecs/task/${file}`));

    // Assess
    expect(item[INDEX.byStatus.partition]?.S).toMatch(new RegExp(`^prod\\|task\\|${bucket}\\|[0-3]$`));
    expect(item[INDEX.byStatus.sort]).toEqual({ S: time });
  });

  it('falls back to updatedAt, then to the event time, when the creation time is missing', () => {
    // Prepare
    const withUpdatedAt = taskEvent({
      detail: { createdAt: undefined, updatedAt: '2024-05-01T12:00:40.000Z' },
    });
    const withNeither = taskEvent({
      time: '2024-05-01T12:00:41Z',
      detail: { createdAt: undefined, updatedAt: undefined },
    });

    // Act
    const fromUpdatedAt = latestOf(JSON.parse(JSON.stringify(withUpdatedAt)));
    const fromEventTime = latestOf(JSON.parse(JSON.stringify(withNeither)));

    // Assess
    expect(fromUpdatedAt[INDEX.byStatus.sort]).toEqual({ S: '2024-05-01T12:00:40.000Z' });
    expect(fromEventTime[INDEX.byStatus.sort]).toEqual({ S: '2024-05-01T12:00:41.000Z' });
  });

  it('writes index times in one format, with milliseconds', () => {
    // Prepare: the 2016 sample has createdAt "2016-12-06T16:41:05.702Z" and startedAt "2016-12-06T16:41:06.8Z".
    const envelope = loadEvent('ecs/task/seed-sample.json');

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item[INDEX.byStatus.sort]).toEqual({ S: '2016-12-06T16:41:05.702Z' });
    expect(item[INDEX.byGroup.sort]).toEqual({ S: '2016-12-06T16:41:05.702Z' });
    expect(decoded(item).startedAt).toBe('2016-12-06T16:41:06.8Z');
  });

  it('indexes the service group by creation time for byGroup', () => {
    // Act
    const item = latestOf(loadEvent('ecs/task/fargate-running.json'));

    // Assess
    expect(item[INDEX.byGroup.partition]).toEqual({ S: 'prod|service:web' });
    expect(item[INDEX.byGroup.sort]).toEqual({ S: '2024-05-01T12:00:00.123Z' });
  });

  it.each([
    ['fargate-pending.json', 'prod|service:web', '2024-05-01T12:00:00.123Z'],
    ['fargate-stopping.json', 'prod|service:web', '2024-05-01T12:00:00.123Z'],
    ['fargate-stopped.json', 'prod|service:web|STOPPED', '2024-05-01T12:41:04.373Z'],
  ])('files a task from %s under the group bucket %s by its time in that bucket', (file, key, time) => {
    // Act
    const item = latestOf(loadEvent(`ecs/task/${file}`));

    // Assess: the group moves once, when the task stops, and sorts by the stop from then on.
    expect(item[INDEX.byGroup.partition]).toEqual({ S: key });
    expect(item[INDEX.byGroup.sort]).toEqual({ S: time });
    expect(item[INDEX.byGroup.sort]).toEqual(item[INDEX.byStatus.sort]);
  });

  it('indexes the first 8 characters of the task id for byShortId, sorted by the whole key', () => {
    // Act
    const item = latestOf(loadEvent('ecs/task/fargate-running.json'));
    const old = latestOf(loadEvent('ecs/task/seed-sample.json'));

    // Assess
    expect(item[INDEX.byShortId.partition]).toEqual({ S: 'task|d637d4d4' });
    expect(item[INDEX.byShortId.sort]).toEqual({ S: 'task/d637d4d4159ea6d323cdeb526fc0996b' });
    expect(old[INDEX.byShortId.partition]).toEqual({ S: 'task|b99d40b3' });
  });

  it('leaves byShortId out for an id too long for an index sort key (found by its whole id only)', () => {
    // Prepare: a 1,500-character id: the table key takes it (2048 bytes), an index sort key would not (1024).
    const envelope = taskEvent({ detail: { taskArn: taskArn('prod', 'a'.repeat(1500)) } });
    envelope.resources = [envelope.detail.taskArn as string];

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item[KEY.partition]?.S).toHaveLength(1505);
    expect(item[INDEX.byShortId.partition]).toBeUndefined();
  });

  it('leaves byGroup out for a task without a group', () => {
    // Act
    const item = latestOf(taskEvent({ detail: { group: undefined } }));

    // Assess
    expect(item[INDEX.byGroup.partition]).toBeUndefined();
    expect(item[INDEX.byGroup.sort]).toBeUndefined();
  });

  it('leaves byHost out for a Fargate task', () => {
    // Act
    const item = latestOf(loadEvent('ecs/task/fargate-running.json'));

    // Assess
    expect(item[INDEX.byHost.partition]).toBeUndefined();
    expect(item[INDEX.byHost.sort]).toBeUndefined();
  });

  it('indexes an EC2 task under its container instance key for byHost', () => {
    // Prepare
    const envelope = loadEvent('ecs/task/ec2-running.json');
    const instanceArn = envelope.detail.containerInstanceArn as string;

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item[INDEX.byHost.partition]).toEqual({
      S: `container-instance/${instanceArn.slice(instanceArn.lastIndexOf('/') + 1)}`,
    });
    expect(item[INDEX.byHost.sort]).toEqual({ S: '2024-05-01T02:00:01.318Z' });
    expect(item[INDEX.byGroup.partition]).toEqual({ S: 'prod|family:report' });
  });
});

describe('status shards', () => {
  it('are stable and within range', () => {
    // Prepare
    const arns = Array.from({ length: 200 }, (_, index) => taskArn('prod', hexId(index)));

    // Act
    const shards = arns.map(shardOf);

    // Assess
    expect(arns.map(shardOf)).toEqual(shards);
    for (const shard of shards) {
      expect(Number.isInteger(shard)).toBe(true);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(TASK_STATUS_SHARDS);
    }
  });

  it('spread many tasks of one cluster over every shard', () => {
    // Prepare
    const arns = Array.from({ length: 200 }, (_, index) => taskArn('prod', hexId(index)));

    // Act
    const counts = new Array<number>(TASK_STATUS_SHARDS).fill(0);
    for (const arn of arns) counts[shardOf(arn)] = (counts[shardOf(arn)] ?? 0) + 1;

    // Assess: no shard gets less than 60% of a fair share.
    for (const count of counts)
      expect(count).toBeGreaterThanOrEqual((0.6 * arns.length) / TASK_STATUS_SHARDS);
  });
});

describe('latestItem of a container instance', () => {
  it('is keyed by "container-instance/<id>", with its status and indexes', () => {
    // Prepare
    const envelope = loadEvent('ecs/container-instance/ec2-active.json');

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item[KEY.partition]).toEqual({ S: 'container-instance/1c462d635d829a53fd63170b903eab65' });
    expect(item[KEY.sort]).toEqual({ S: LATEST_ENTRY });
    expect(item.version).toEqual({ N: '20' });
    expect(item.status).toEqual({ S: 'ACTIVE' });
    expect(item.lastStatus).toBeUndefined();
    expect(item[INDEX.byStatus.partition]).toEqual({ S: 'prod|instance|ACTIVE|0' });
    expect(item[INDEX.byStatus.sort]).toEqual({ S: '2024-04-30T18:22:47.193Z' });
    expect(item[INDEX.byHost.partition]).toEqual({ S: 'ec2/i-0abc123def4567890' });
    expect(item[INDEX.byHost.sort]).toEqual({ S: '2024-04-30T18:22:47.193Z' });
    expect(item[INDEX.byGroup.partition]).toBeUndefined();
    expect(item[INDEX.byShortId.partition]).toEqual({ S: 'container-instance|1c462d63' });
  });

  it('keeps a DRAINING instance in the DRAINING status partition', () => {
    // Act
    const item = latestOf(loadEvent('ecs/container-instance/ec2-draining.json'));

    // Assess
    expect(item[INDEX.byStatus.partition]).toEqual({ S: 'prod|instance|DRAINING|0' });
  });
});

describe('historyItem', () => {
  it('is keyed by the resource and the zero-padded version, and carries no index keys', () => {
    // Prepare
    const envelope = loadEvent('ecs/task/fargate-running.json');

    // Act
    const item = historyOf(envelope);

    // Assess
    expect(item[KEY.partition]).toEqual({ S: 'task/d637d4d4159ea6d323cdeb526fc0996b' });
    expect(item[KEY.sort]).toEqual({ S: 'v#0000000000000004' });
    expect(item.version).toEqual({ N: '4' });
    expect(item.eventId).toEqual({ S: envelope.id });
    expect(item.eventTime).toEqual({ S: envelope.time });
    for (const attribute of INDEX_ATTRIBUTES) expect(item[attribute]).toBeUndefined();
  });

  it('makes entries sort as strings in version order', () => {
    // Prepare
    const versions = [Number.MAX_SAFE_INTEGER, 100, 0, 10, 2 ** 32, 9, 99, 1];

    // Act
    const entries = versions.map(historyEntry);

    // Assess
    const byString = [...entries].sort();
    const byNumber = [...versions].sort((a, b) => a - b).map(historyEntry);
    expect(byString).toEqual(byNumber);
  });
});

describe('time to live', () => {
  const cases: {
    name: string;
    item: () => Item;
    expires: (() => number) | undefined;
  }[] = [
    {
      name: 'a RUNNING task',
      item: () => latestOf(loadEvent('ecs/task/fargate-running.json')),
      expires: undefined,
    },
    {
      name: 'a task that is RUNNING but desired STOPPED',
      item: () => latestOf(loadEvent('ecs/task/fargate-running-desired-stopped.json')),
      expires: undefined,
    },
    {
      name: 'a DEPROVISIONING task',
      item: () => latestOf(loadEvent('ecs/task/fargate-deprovisioning.json')),
      expires: undefined,
    },
    {
      name: 'a STOPPED task, from its stoppedAt',
      item: () => latestOf(loadEvent('ecs/task/fargate-stopped.json')),
      expires: () => seconds('2024-05-01T12:41:04.373Z') + 30 * DAY,
    },
    {
      name: 'a STOPPED task without stoppedAt, from the event time',
      item: () =>
        latestOf(taskEvent({ fixture: 'ecs/task/fargate-stopped.json', detail: { stoppedAt: undefined } })),
      expires: () => seconds('2024-05-01T12:41:04Z') + 30 * DAY,
    },
    {
      name: 'a STOPPED task when stopped tasks are kept forever (0 days)',
      item: () => latestOf(loadEvent('ecs/task/fargate-stopped.json'), { stoppedDays: 0, historyDays: 90 }),
      expires: undefined,
    },
    {
      name: 'an ACTIVE container instance',
      item: () => latestOf(loadEvent('ecs/container-instance/ec2-active.json')),
      expires: undefined,
    },
    {
      name: 'a DRAINING container instance',
      item: () => latestOf(loadEvent('ecs/container-instance/ec2-drained.json')),
      expires: undefined,
    },
    {
      name: 'an INACTIVE (deregistered) container instance, from the event time',
      item: () => latestOf(loadEvent('ecs/container-instance/ec2-deregistered.json')),
      expires: () => seconds('2024-05-01T02:12:36Z') + 30 * DAY,
    },
    {
      name: 'an INACTIVE container instance when kept forever (0 days)',
      item: () =>
        latestOf(loadEvent('ecs/container-instance/ec2-deregistered.json'), {
          stoppedDays: 0,
          historyDays: 0,
        }),
      expires: undefined,
    },
    {
      name: 'a history entry of a RUNNING task, from the event time',
      item: () => historyOf(loadEvent('ecs/task/fargate-running.json')),
      expires: () => seconds('2024-05-01T12:00:31Z') + 90 * DAY,
    },
    {
      name: 'a history entry of an ACTIVE instance, from the event time',
      item: () => historyOf(loadEvent('ecs/container-instance/ec2-active.json')),
      expires: () => seconds('2024-05-01T02:00:11Z') + 90 * DAY,
    },
    {
      name: 'a history entry when history is kept forever (0 days)',
      item: () => historyOf(loadEvent('ecs/task/fargate-stopped.json'), { stoppedDays: 30, historyDays: 0 }),
      expires: undefined,
    },
  ];

  it.each(cases)('is right for $name', ({ item, expires }) => {
    // Act
    const built = item();

    // Assess
    if (expires === undefined) expect(built[TTL_ATTRIBUTE]).toBeUndefined();
    else expect(built[TTL_ATTRIBUTE]).toEqual({ N: String(expires()) });
  });

  it('is written in epoch seconds, as DynamoDB TTL requires', () => {
    // Act
    const ttl = Number(latestOf(loadEvent('ecs/task/fargate-stopped.json'))[TTL_ATTRIBUTE]?.N);

    // Assess
    expect(Number.isInteger(ttl)).toBe(true);
    expect(ttl).toBeGreaterThan(Date.parse('2024-01-01') / 1000);
    expect(ttl).toBeLessThan(Date.parse('2100-01-01') / 1000);
  });
});

describe('stored detail', () => {
  const files = fixtureFiles('ecs');

  it.each(files)('round-trips %s exactly through the codec, in latest and history items', (file) => {
    // Prepare
    const envelope = loadEvent(file);

    // Act
    const latest = latestOf(envelope);
    const history = historyOf(envelope);

    // Assess
    expect(decoded(latest)).toStrictEqual(envelope.detail);
    expect(decoded(history)).toStrictEqual(envelope.detail);
    expect(latest.trimmedFields).toBeUndefined();
    expect(history.trimmedFields).toBeUndefined();
  });

  it('round-trips values JSON can hold: unicode, nulls, nesting, large and negative numbers', () => {
    // Prepare
    const detail = {
      text: 'naïve 日本語 🚀 "quoted" \\ back\u0000slash',
      nothing: null,
      nested: { list: [1, -2.5, { deep: [true, false] }], empty: {} },
      big: Number.MAX_SAFE_INTEGER,
      small: 1e-7,
    };

    // Act
    const back = decodeDetail(encodeDetail(detail));

    // Assess
    expect(back).toStrictEqual(detail);
  });

  it('reports the compressed sizes of the fixtures, a Fargate RUNNING task fitting one write unit', () => {
    // Act
    const rows = files.map((file) => {
      const envelope = loadEvent(file);
      const latest = latestOf(envelope);
      return {
        file,
        jsonBytes: Buffer.byteLength(JSON.stringify(envelope.detail)),
        encodedBytes: latest.detail?.B?.length ?? 0,
        latestItemBytes: itemSize(latest),
        historyItemBytes: itemSize(historyOf(envelope)),
      };
    });
    console.table(rows);

    // Assess
    const fargateRunning = rows.find((row) => row.file === 'ecs/task/fargate-running.json');
    expect(fargateRunning?.latestItemBytes).toBeLessThanOrEqual(1024);
    for (const row of rows) expect(row.encodedBytes).toBeLessThan(row.jsonBytes / 2);
  });
});

describe('the 400 KB item limit', () => {
  /** A Fargate RUNNING detail with unknown fields of incompressible data, in the order given. */
  function oversized(fields: Record<string, number>): Envelope {
    const envelope = loadEvent('ecs/task/fargate-running.json');
    for (const [field, length] of Object.entries(fields))
      envelope.detail[field] = incompressible(field, length);
    return envelope;
  }
  const TRIMMED_FIRST = ['attributes', 'attachments', 'overrides', 'containers'];
  const PROTECTED = ['taskArn', 'clusterArn', 'version', 'lastStatus', 'desiredStatus', 'group', 'startedBy'];

  it('trims the listed bulky fields first, then the largest unknown fields, until the item fits', () => {
    // Prepare: 300 000 + 350 000 + 280 000 base64 characters deflate to about 700 KB together.
    const envelope = oversized({ blobA: 300_000, blobB: 350_000, blobC: 280_000, tiny: 10 });

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item.trimmedFields).toEqual({ SS: [...TRIMMED_FIRST, 'blobB', 'blobA'] });
    expect(itemSize(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    const stored = decoded(item);
    for (const field of PROTECTED) expect(stored[field]).toEqual(envelope.detail[field]);
    expect(stored.startedAt).toBe(envelope.detail.startedAt);
    expect(stored.blobC).toBe(envelope.detail.blobC);
    expect(stored.tiny).toBe(envelope.detail.tiny);
    expect(stored.availabilityZone).toBe('us-east-1a');
    for (const field of [...TRIMMED_FIRST, 'blobA', 'blobB']) expect(stored).not.toHaveProperty(field);
  });

  it('trims history items the same way', () => {
    // Prepare
    const envelope = oversized({ blobA: 300_000, blobB: 350_000, blobC: 280_000 });

    // Act
    const item = historyOf(envelope);

    // Assess
    expect(item.trimmedFields).toEqual({ SS: [...TRIMMED_FIRST, 'blobB', 'blobA'] });
    expect(itemSize(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    expect(decoded(item).version).toBe(4);
  });

  it('trims a container instance in the listed order: attributes, attachments, then resources', () => {
    // Prepare
    const envelope = instanceEvent();
    envelope.detail.blob = incompressible('instance', 600_000);

    // Act
    const item = latestOf(envelope);

    // Assess
    expect(item.trimmedFields).toEqual({
      SS: ['attributes', 'attachments', 'registeredResources', 'remainingResources', 'blob'],
    });
    const stored = decoded(item);
    expect(stored.status).toBe('ACTIVE');
    expect(stored.ec2InstanceId).toBe('i-0abc123def4567890');
    expect(stored.versionInfo).toEqual(envelope.detail.versionInfo);
  });

  it('stays within the limit when the trimmed detail only just fits', () => {
    // Prepare: find the largest unknown field that survives trimming, so the detail lands right at the budget
    // with seven field names in trimmedFields.
    const build = (length: number) => {
      const envelope = loadEvent('ecs/task/fargate-stopped.json');
      Object.assign(envelope.detail, {
        registeredResources: [],
        remainingResources: [],
        inferenceAccelerators: [],
        keep: incompressible('keep', length),
      });
      return latestOf(envelope);
    };
    let fits = 500_000;
    let trimmed = 600_000;
    while (trimmed - fits > 1) {
      const middle = Math.floor((fits + trimmed) / 2);
      if (build(middle).trimmedFields?.SS?.includes('keep')) trimmed = middle;
      else fits = middle;
    }

    // Act
    const item = build(fits);

    // Assess
    expect(item.trimmedFields?.SS).toHaveLength(7);
    expect(item[TTL_ATTRIBUTE]).toBeDefined();
    expect(itemSize(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    expect(itemSize(item)).toBeGreaterThan(MAX_ITEM_BYTES - 200);
  });

  it('refuses a detail whose protected fields alone exceed the limit', () => {
    // Prepare: stoppedReason is never trimmed.
    const envelope = loadEvent('ecs/task/fargate-stopped.json');
    envelope.detail.stoppedReason = incompressible('reason', 600_000);

    // Act
    const latest = () => latestOf(envelope);
    const history = () => historyOf(envelope);

    // Assess
    expect(latest).toThrow(DetailTooLargeError);
    expect(latest).toThrow(/even without its optional fields/);
    expect(history).toThrow(DetailTooLargeError);
  });
});

/**
 * Finding a task or container instance the way people paste it, on each DynamoDB engine: the 8-character short
 * id tables show, a longer prefix, the whole id, or either ARN format.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../../lib/platform/errors.js';
import type { StateStore } from '../../../../../lib/platform/store/state-store.js';
import { engines, freshStore, requireEngine } from '../../../../support/engines.js';
import { ACCOUNT, instanceEvent, loadEvent, REGION, taskEvent } from '../../../../support/fixtures.js';
import { arnOf, arns, latestOf } from '../../../../support/store-items.js';

// Three resources whose ids share their first 8 characters (two tasks, one container instance), and one that
// does not; a stopped task; a task with an old-format ARN (its id a UUID).
const first = taskEvent({ id: `b8309449${'a'.repeat(24)}` });
const second = taskEvent({ id: `b8309449${'ab'.repeat(12)}`, version: 9, lastStatus: 'STOPPED' });
const host = instanceEvent({ id: `b8309449${'c'.repeat(24)}` });
const alone = taskEvent({ id: `0f1e2d3c${'d'.repeat(24)}` });
const oldFormat = loadEvent('ecs/task/seed-sample.json');

describe.each(engines())('findByIdPrefix on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const target = engine;
  let store: StateStore;

  beforeAll(async () => {
    store = await freshStore(target);
    await Promise.all(
      [first, second, host, alone, oldFormat].map((envelope) => store.putLatest(latestOf(envelope))),
    );
  });

  it('finds the one resource of a unique short id', async () => {
    // Act
    const found = await store.findByIdPrefix('0f1e2d3c');

    // Assess
    expect(arns(found)).toEqual([arnOf(alone)]);
  });

  it('returns every match of an ambiguous short id, tasks first, stopped ones too', async () => {
    // Act
    const found = await store.findByIdPrefix('b8309449');

    // Assess
    expect(arns(found)).toEqual([first, second, host].map(arnOf));
    expect(found.map((resource) => resource.kind)).toEqual(['task', 'task', 'instance']);
  });

  it('narrows with a longer prefix, down to the whole id', async () => {
    // Act
    const longer = await store.findByIdPrefix('b8309449a');
    const narrower = await store.findByIdPrefix('b8309449aa');
    const whole = await store.findByIdPrefix(`b8309449${'ab'.repeat(12)}`);
    const hostOnly = await store.findByIdPrefix('b8309449c');

    // Assess
    expect(arns(longer)).toEqual([first, second].map(arnOf));
    expect(arns(narrower)).toEqual([arnOf(first)]);
    expect(arns(whole)).toEqual([arnOf(second)]);
    expect(arns(hostOnly)).toEqual([arnOf(host)]);
  });

  it('finds an old-format task by the start of its UUID', async () => {
    // Act
    const short = await store.findByIdPrefix('b99d40b3');
    const longer = await store.findByIdPrefix('b99d40b3-5176');

    // Assess
    expect(arns(short)).toEqual([arnOf(oldFormat)]);
    expect(arns(longer)).toEqual([arnOf(oldFormat)]);
  });

  it('finds nothing for an unknown prefix, and refuses one shorter than 8 characters', async () => {
    // Act
    const unknown = await store.findByIdPrefix('ffffffff');
    const short = store.findByIdPrefix('b830944');

    // Assess
    expect(unknown).toEqual([]);
    await expect(short).rejects.toBeInstanceOf(InvalidInputError);
    await expect(short).rejects.toThrow(/at least 8 characters/);
  });

  it('still finds a resource by its whole id and by either ARN format', async () => {
    // Prepare
    const id = `0f1e2d3c${'d'.repeat(24)}`;
    const oldArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${id}`;

    // Act
    const byId = await store.findById(id);
    const byNewArn = await store.getLatest(arnOf(alone));
    const byOldArn = await store.getLatest(oldArn);

    // Assess
    expect(arns(byId)).toEqual([arnOf(alone)]);
    expect(byNewArn?.arn).toBe(arnOf(alone));
    expect(byOldArn?.arn).toBe(arnOf(alone));
  });
});

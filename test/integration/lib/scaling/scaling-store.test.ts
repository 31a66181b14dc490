/**
 * The scaling store on both engines: a service's activities, claimed conditionally on their revision so two
 * evaluations never both record (and so both apply) a change; a failed change given back; the last 10 kept.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVITIES_KEPT,
  type RecordedActivity,
  ScalingClaimLostError,
  ScalingStore,
} from '../../../../lib/scaling/scaling-store.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';

const at = (minute: number) => new Date(Date.UTC(2024, 4, 3, 9, minute));
const activity = (minute: number, from = 1, to = 2): RecordedActivity => ({
  at: at(minute),
  from,
  to,
  cooldownSeconds: 300,
  policy: 'out',
});

describe.each(engines())('scaling store on $name', (engine) => {
  if (!requireEngine(engine)) return;
  const open = async () => {
    const state = await freshStore(engine);
    return new ScalingStore({ tableName: state.tableName, client: state.client });
  };

  it('reads nothing for a service never scaled, then what a claim recorded', async () => {
    const store = await open();
    const none = await store.get('prod', 'worker');
    expect(none).toEqual({ activities: [], revision: undefined });

    await store.claim('prod', 'worker', none, activity(0));

    expect(await store.get('prod', 'worker')).toEqual({ activities: [activity(0)], revision: 1 });
    expect(await store.get('prod', 'other')).toEqual({ activities: [], revision: undefined });
  });

  it('lets one of two claims made from the same read succeed', async () => {
    const store = await open();
    const read = await store.get('prod', 'worker');

    const claims = await Promise.allSettled([
      store.claim('prod', 'worker', read, activity(0, 1, 3)),
      store.claim('prod', 'worker', read, activity(0, 1, 4)),
    ]);

    expect(claims.filter((claim) => claim.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = claims.filter((claim) => claim.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(ScalingClaimLostError);
    expect((await store.get('prod', 'worker')).activities).toHaveLength(1);
    // A later claim from a stale read loses too.
    await expect(
      store.claim('prod', 'worker', { ...read, revision: undefined }, activity(1)),
    ).rejects.toThrow('another evaluation changed the scaling activities of prod/worker first');
  });

  it('gives a claim back, and keeps the last activities only', async () => {
    const store = await open();
    let read = await store.get('prod', 'worker');
    for (let minute = 0; minute < ACTIVITIES_KEPT + 2; minute++) {
      read = await store.claim('prod', 'worker', read, activity(minute));
    }
    expect(read.activities.map((kept) => kept.at)).toEqual(
      Array.from({ length: ACTIVITIES_KEPT }, (_, i) => at(i + 2)),
    );

    const claimed = await store.claim('prod', 'worker', read, activity(30));
    await store.release('prod', 'worker', claimed, read);

    const after = await store.get('prod', 'worker');
    expect(after.activities).toEqual(read.activities);
    expect(after.revision).toBe(ACTIVITIES_KEPT + 4);
  });
});

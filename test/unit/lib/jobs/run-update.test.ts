/**
 * A change to a stored run (lib/jobs/run-update.ts): fields set, decisions appended, and the conditions that
 * let only one of two callers move a run on.
 */
import { describe, expect, it } from 'vitest';
import { runUpdate } from '../../../../lib/jobs/run-update.js';

describe('runUpdate', () => {
  it('changes nothing when there is nothing to set or append', () => {
    expect(runUpdate({ reason: undefined }, { decisions: [] })).toBeUndefined();
  });

  it('sets the fields given, leaving out undefined ones, only on a run that exists', () => {
    expect(runUpdate({ attempts: 2, reason: undefined, tasks: ['t-1'] })).toEqual({
      UpdateExpression: 'SET #f0 = :f0, #f2 = :f2',
      ConditionExpression: 'attribute_exists(#key)',
      ExpressionAttributeNames: { '#f0': 'attempts', '#f2': 'tasks', '#key': 'resource' },
      ExpressionAttributeValues: { ':f0': { N: '2' }, ':f2': { L: [{ S: 't-1' }] } },
    });
  });

  it('appends decisions to the run’s list, starting it when there is none', () => {
    expect(runUpdate({}, { decisions: ['skipped: …'] })).toMatchObject({
      UpdateExpression: 'SET #decisions = list_append(if_not_exists(#decisions, :none), :decisions)',
      ExpressionAttributeValues: { ':decisions': { L: [{ S: 'skipped: …' }] }, ':none': { L: [] } },
    });
  });

  it.each([
    {
      when: 'the run is in one of the statuses given',
      options: { from: ['launching' as const, 'running' as const] },
      condition: 'attribute_exists(#key) AND #status IN (:from0, :from1)',
    },
    {
      when: 'the run owes no page yet',
      options: { withoutAlert: true },
      condition: 'attribute_exists(#key) AND attribute_not_exists(#alert)',
    },
    {
      when: 'both',
      options: { from: ['running' as const], withoutAlert: true },
      condition: 'attribute_exists(#key) AND #status IN (:from0) AND attribute_not_exists(#alert)',
    },
  ])('is conditional on $when', ({ options, condition }) => {
    expect(runUpdate({ attempts: 1 }, options)?.ConditionExpression).toBe(condition);
  });
});

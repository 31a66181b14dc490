/**
 * Hostile input through the ECS event parser: it refuses, never throws, and says what is wrong and how to fix it.
 */
import { describe, expect, it } from 'vitest';
import { arnProblem, parseEcsEventText } from '../../../../../lib/platform/events/ecs-event.js';
import { body, nestedJson, otherBusEvents, taskEvent } from '../../../../support/fixtures.js';

const refusal = (text: string) => {
  const result = parseEcsEventText(text);
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
};

describe('parseEcsEventText on hostile input', () => {
  it.each(otherBusEvents().map((envelope) => [envelope['detail-type'], envelope] as const))(
    'marks a well-formed "%s" as another kind of event, naming it',
    (detailType, envelope) => {
      const error = refusal(body(envelope));
      expect(error.other).toEqual({ source: envelope.source, detailType });
      expect(error.reason).toContain(`"${detailType}" from "${envelope.source}" is not an ECS state event`);
    },
  );

  it('reads a record after a leading byte order mark', () => {
    expect(parseEcsEventText(`\uFEFF${body(taskEvent({ version: 2 }))}`).ok).toBe(true);
  });

  it('refuses nesting 100,000 levels deep without walking it, naming the field', () => {
    const text = body(taskEvent()).replace('"startedBy":', `"extra":${nestedJson(100_000)},"startedBy":`);
    expect(refusal(text)).toMatchObject({
      field: 'detail.extra.0',
      reason: expect.stringMatching(/64 levels/),
    });
  });

  it('keeps nesting of up to 64 levels', () => {
    const text = body(taskEvent()).replace('"startedBy":', `"extra":${nestedJson(60)},"startedBy":`);
    expect(parseEcsEventText(text).ok).toBe(true);
  });

  it('describes a version of 1e999 for what it is', () => {
    const text = body(taskEvent({ version: 3 })).replace('"version":3', '"version":-1e999');
    expect(refusal(text)).toMatchObject({
      field: 'detail.version',
      reason: expect.stringMatching(/Infinity/),
    });
  });
});

describe('arnProblem', () => {
  it.each([
    ['arn:aws:ecs:us-east-1:111122223333:task/prod/abc', 'task', undefined],
    ['arn:aws-iso-b:ecs:us-isob-east-1:111122223333:task/abc', 'task', undefined],
    ['arn:aws:ecs:us-east-1:111122223333:task/prod/', 'task', /task id is empty/],
    ['arn:aws:ecs:us-east-1:111122223333:task//abc', 'task', /cluster name is empty/],
    ['arn:aws:ecs:us-east-1:11112222333:task/prod/abc', 'task', /account "11112222333" is not 12 digits/],
    ['arn:aws:ecs:useast1:111122223333:task/prod/abc', 'task', /region "useast1"/],
    ['arn:aws:ecs:us-east-1:111122223333:task/prod/a b', 'task', /white space/],
    ['arn:aws:ecs:us-east-1:111122223333:task/a/b/c', 'task', /expected task\/<id> or task\/<cluster>\/<id>/],
    [`arn:aws:ecs:us-east-1:111122223333:task/prod/${'a'.repeat(2044)}`, 'task', /2044 bytes/],
    [`arn:aws:ecs:us-east-1:111122223333:task/prod/${'a'.repeat(2043)}`, 'task', undefined],
  ])('%s', (arn, type, problem) => {
    const found = arnProblem(arn, type);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

/**
 * A condition judged in memory as DynamoDB judges its rendering: a comparison with a missing attribute is false
 * (so its negation is true), strings compare in order, groups keep their parentheses. A write over such a
 * condition becomes UpdateItem's parts with exactly the names and values its expressions use.
 */
import { describe, expect, it } from 'vitest';
import {
  conditions,
  holds,
  render,
  updateParts,
} from '../../../../../lib/platform/store/condition-expression.js';

const c = conditions<'a' | 'b', 'x' | 'y'>();
const { exists, missing, equals, not, all, any } = c;
const item = { a: '2024-05-01T13:00:00.000Z' } as Record<'a' | 'b', string | undefined>;
const operands = { x: '2024-05-01T13:00:00.000Z', y: '2024-05-01T13:00:00.001Z' };

describe('conditions', () => {
  it.each([
    [exists('a'), 'attribute_exists(#a)', true],
    [missing('b'), 'attribute_not_exists(#b)', true],
    [equals('a', 'x'), '#a = :x', true],
    [c.before('a', 'x'), '#a < :x', false],
    [c.before('a', 'y'), '#a < :y', true],
    [equals('b', 'x'), '#b = :x', false],
    [not(equals('b', 'x')), 'NOT (#b = :x)', true],
    [not(c.before('b', 'y')), 'NOT (#b < :y)', true],
    [
      any(missing('a'), all(c.before('a', 'y'), missing('b'))),
      'attribute_not_exists(#a) OR (#a < :y AND attribute_not_exists(#b))',
      true,
    ],
    [
      all(exists('b'), any(equals('a', 'x'), c.before('a', 'x'))),
      'attribute_exists(#b) AND (#a = :x OR #a < :x)',
      false,
    ],
    [
      all(all(exists('a'), exists('b')), any(any(missing('a'), missing('b')), equals('a', 'x'))),
      'attribute_exists(#a) AND attribute_exists(#b) AND (attribute_not_exists(#a) OR attribute_not_exists(#b) OR #a = :x)',
      false,
    ],
  ])('%j renders as %s and holds: %s', (condition, expression, expected) => {
    expect(render(condition)).toBe(expression);
    expect(holds(condition, (attribute) => item[attribute], operands)).toBe(expected);
  });

  it('is false for a comparison with an operand the write does not bind', () => {
    expect(holds(equals('a', 'x'), (attribute) => item[attribute], {})).toBe(false);
  });
});

describe('updateParts', () => {
  it('names the stored attributes and marshals the values, only those the expressions use', () => {
    const write = {
      condition: all(exists('a'), c.before('b', 'y')),
      update: 'SET #c = :x, #cc = :xx REMOVE #b',
      values: { x: 'one', xx: 2, y: 'three', unused: 'four' },
    };

    expect(
      updateParts(write, { a: 'stored-a', b: 'stored-b', c: 'stored-c', cc: 'stored-cc', d: 'd' }),
    ).toEqual({
      UpdateExpression: 'SET #c = :x, #cc = :xx REMOVE #b',
      ConditionExpression: 'attribute_exists(#a) AND #b < :y',
      ExpressionAttributeNames: { '#a': 'stored-a', '#b': 'stored-b', '#c': 'stored-c', '#cc': 'stored-cc' },
      ExpressionAttributeValues: { ':x': { S: 'one' }, ':xx': { N: '2' }, ':y': { S: 'three' } },
    });
  });
});

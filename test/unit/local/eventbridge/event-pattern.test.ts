import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  validatePattern,
} from '../../../../local/eventbridge/event-pattern.js';

/** The EC2 event of the EventBridge user guide, with a few fields the examples below need. */
const EC2_EVENT = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: [
    'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0',
    'arn:aws:ec2:us-west-1:123456789012:volume/vol-0',
  ],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    weight: 300.0,
    enabled: true,
    missing: null,
    'source-file': 'image.png',
    location: { city: 'New York', zone: 'EST' },
    containers: [
      { name: 'web', exitCode: 0 },
      { name: 'sidecar', exitCode: 137 },
    ],
    tags: ['blue', 'canary'],
    empty: [],
  },
};

const cases: { name: string; pattern: unknown; matches: boolean }[] = [
  // Exact values: fields AND'ed, values OR'ed.
  { name: 'an exact source', pattern: { source: ['aws.ec2'] }, matches: true },
  { name: 'one of several sources', pattern: { source: ['aws.fargate', 'aws.ec2'] }, matches: true },
  { name: 'a source that differs', pattern: { source: ['aws.ecs'] }, matches: false },
  { name: 'strings are case-sensitive', pattern: { source: ['AWS.EC2'] }, matches: false },
  {
    name: 'the user guide pattern (source, detail-type and detail.state)',
    pattern: {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    matches: true,
  },
  {
    name: 'all fields must match (one does not)',
    pattern: { source: ['aws.ec2'], detail: { state: ['running'] } },
    matches: false,
  },
  { name: 'a field the event lacks', pattern: { detail: { nope: ['x'] } }, matches: false },
  { name: 'a nested object', pattern: { detail: { location: { city: ['New York'] } } }, matches: true },
  { name: 'a number by value (300 = 300.0)', pattern: { detail: { weight: [300] } }, matches: true },
  { name: 'a number does not match its string', pattern: { detail: { 'c-count': ['5'] } }, matches: false },
  { name: 'a boolean', pattern: { detail: { enabled: [true] } }, matches: true },
  { name: 'null', pattern: { detail: { missing: [null] } }, matches: true },
  { name: 'null does not match an absent field', pattern: { detail: { nope: [null] } }, matches: false },
  // Arrays in the event match if any element matches.
  { name: 'one element of an event array', pattern: { resources: [{ suffix: 'vol-0' }] }, matches: true },
  { name: 'a string in an array field', pattern: { detail: { tags: ['canary'] } }, matches: true },
  {
    name: 'fields of the same array element',
    pattern: { detail: { containers: { name: ['sidecar'], exitCode: [137] } } },
    matches: true,
  },
  {
    name: 'fields of different array elements do not combine',
    pattern: { detail: { containers: { name: ['web'], exitCode: [137] } } },
    matches: false,
  },
  // prefix, suffix, equals-ignore-case, wildcard.
  { name: 'prefix', pattern: { region: [{ prefix: 'us-' }] }, matches: true },
  { name: 'prefix that differs', pattern: { region: [{ prefix: 'eu-' }] }, matches: false },
  {
    name: 'prefix ignoring case',
    pattern: { region: [{ prefix: { 'equals-ignore-case': 'US-' } }] },
    matches: true,
  },
  { name: 'suffix', pattern: { detail: { 'source-file': [{ suffix: '.png' }] } }, matches: true },
  {
    name: 'suffix ignoring case',
    pattern: { detail: { 'source-file': [{ suffix: { 'equals-ignore-case': '.PNG' } }] } },
    matches: true,
  },
  {
    name: 'suffix on a number never matches',
    pattern: { detail: { 'c-count': [{ suffix: '5' }] } },
    matches: false,
  },
  {
    name: 'equals-ignore-case',
    pattern: { detail: { state: [{ 'equals-ignore-case': 'TERMINATED' }] } },
    matches: true,
  },
  {
    name: 'wildcard',
    pattern: { resources: [{ wildcard: 'arn:aws:ec2:*:instance/i-*' }] },
    matches: true,
  },
  { name: 'wildcard that differs', pattern: { region: [{ wildcard: 'eu-*' }] }, matches: false },
  { name: 'wildcard is anchored', pattern: { region: [{ wildcard: 'west*' }] }, matches: false },
  // anything-but.
  {
    name: 'anything-but a value',
    pattern: { detail: { state: [{ 'anything-but': 'running' }] } },
    matches: true,
  },
  {
    name: 'anything-but the value it has',
    pattern: { detail: { state: [{ 'anything-but': 'terminated' }] } },
    matches: false,
  },
  {
    name: 'anything-but a list',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } },
    matches: false,
  },
  {
    name: 'anything-but a number',
    pattern: { detail: { 'c-count': [{ 'anything-but': 6 }] } },
    matches: true,
  },
  {
    name: 'anything-but a prefix',
    pattern: { region: [{ 'anything-but': { prefix: 'us-' } }] },
    matches: false,
  },
  {
    name: 'anything-but a suffix',
    pattern: { detail: { 'source-file': [{ 'anything-but': { suffix: '.txt' } }] } },
    matches: true,
  },
  {
    name: 'anything-but ignoring case',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['TERMINATED'] } }] } },
    matches: false,
  },
  {
    name: 'anything-but a wildcard',
    pattern: { detail: { 'source-file': [{ 'anything-but': { wildcard: '*.jpg' } }] } },
    matches: true,
  },
  {
    name: 'anything-but never matches an absent field',
    pattern: { detail: { nope: [{ 'anything-but': 'x' }] } },
    matches: false,
  },
  // numeric.
  {
    name: 'numeric range',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    matches: true,
  },
  {
    name: 'numeric range excluding',
    pattern: { detail: { 'd-count': [{ numeric: ['<', 3] }] } },
    matches: false,
  },
  { name: 'numeric equality', pattern: { detail: { weight: [{ numeric: ['=', 300] }] } }, matches: true },
  {
    name: 'numeric never matches a string',
    pattern: { detail: { state: [{ numeric: ['>', 0] }] } },
    matches: false,
  },
  {
    name: 'numeric on an array of objects',
    pattern: { detail: { containers: { exitCode: [{ numeric: ['>', 0] }] } } },
    matches: true,
  },
  // exists.
  {
    name: 'exists: true on a present field',
    pattern: { detail: { state: [{ exists: true }] } },
    matches: true,
  },
  {
    name: 'exists: true on an absent field',
    pattern: { detail: { nope: [{ exists: true }] } },
    matches: false,
  },
  {
    name: 'exists: false on an absent field',
    pattern: { detail: { nope: [{ exists: false }] } },
    matches: true,
  },
  {
    name: 'exists: false under an absent parent',
    pattern: { nothing: { here: [{ exists: false }] } },
    matches: true,
  },
  {
    name: 'exists: false on an empty array',
    pattern: { detail: { empty: [{ exists: false }] } },
    matches: true,
  },
  {
    name: 'exists: true on an object (not a leaf)',
    pattern: { detail: { location: [{ exists: true }] } },
    matches: false,
  },
  { name: 'exists: true on null', pattern: { detail: { missing: [{ exists: true }] } }, matches: true },
  // $or.
  {
    name: '$or with one matching branch',
    pattern: {
      source: ['aws.ec2'],
      $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [5] } }],
    },
    matches: true,
  },
  {
    name: '$or with no matching branch',
    pattern: { $or: [{ detail: { state: ['running'] } }, { region: ['eu-west-1'] }] },
    matches: false,
  },
  {
    name: '$or is AND-ed with its siblings',
    pattern: { source: ['aws.ecs'], $or: [{ detail: { state: ['terminated'] } }, { region: ['us-west-1'] }] },
    matches: false,
  },
  {
    name: 'values and operators OR-ed in one field',
    pattern: { detail: { state: ['running', { prefix: 'term' }] } },
    matches: true,
  },
];

describe('matchesPattern', () => {
  it.each(cases)('$name: $matches', ({ pattern, matches }) => {
    expect(matchesPattern(pattern, EC2_EVENT)).toBe(matches);
  });

  it('matches the reconciler pattern of deploy/stack.ts against a configured cluster only', () => {
    const pattern = {
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change', 'ECS Container Instance State Change'],
      detail: { clusterArn: [{ suffix: ':cluster/prod' }, { suffix: ':cluster/batch' }] },
    };
    const event = (cluster: string) => ({
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
      detail: { clusterArn: `arn:aws:ecs:us-east-1:111122223333:cluster/${cluster}` },
    });
    expect(matchesPattern(pattern, event('prod'))).toBe(true);
    expect(matchesPattern(pattern, event('batch'))).toBe(true);
    expect(matchesPattern(pattern, event('default'))).toBe(false);
    expect(matchesPattern(pattern, event('preprod'))).toBe(false);
  });

  it('treats \\* in a wildcard as a literal star', () => {
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axxb' })).toBe(false);
  });

  it('refuses an invalid pattern instead of quietly matching nothing', () => {
    expect(() => matchesPattern({ source: 'aws.ecs' }, EC2_EVENT)).toThrow(InvalidEventPatternError);
    expect(() => compilePattern({ source: ['aws.ecs'] })).not.toThrow();
  });
});

describe('validatePattern', () => {
  const invalid: { name: string; pattern: unknown; problem: RegExp }[] = [
    { name: 'not an object', pattern: ['aws.ecs'], problem: /^\(pattern\): expected a JSON object/ },
    { name: 'a bare value', pattern: { source: 'aws.ecs' }, problem: /^source: expected an array of values/ },
    { name: 'an empty array', pattern: { detail: { state: [] } }, problem: /^detail\.state: .*empty array/ },
    {
      name: 'an unknown operator',
      pattern: { source: [{ contains: 'ecs' }] },
      problem: /^source\[0\]: unknown operator "contains"/,
    },
    {
      name: 'two operators in one object',
      pattern: { source: [{ prefix: 'a', suffix: 'b' }] },
      problem: /^source\[0\]: expected exactly one operator/,
    },
    {
      name: 'a numeric prefix',
      pattern: { source: [{ prefix: 1 }] },
      problem: /^source\[0\]\.prefix: expected a string/,
    },
    {
      name: 'a numeric range without an upper bound',
      pattern: { n: [{ numeric: ['>', 0, '>', 5] }] },
      problem: /^n\[0\]\.numeric: a range needs one lower/,
    },
    {
      name: 'an empty numeric range',
      pattern: { n: [{ numeric: ['>', 5, '<', 5] }] },
      problem: /lower bound 5 must be below the upper bound 5/,
    },
    {
      name: 'an unknown numeric operator',
      pattern: { n: [{ numeric: ['!=', 5] }] },
      problem: /^n\[0\]\.numeric: expected/,
    },
    {
      name: 'exists with a string',
      pattern: { n: [{ exists: 'yes' }] },
      problem: /^n\[0\]\.exists: expected true or false/,
    },
    {
      name: 'consecutive wildcards',
      pattern: { n: [{ wildcard: 'a**b' }] },
      problem: /consecutive wildcard/,
    },
    {
      name: 'anything-but an object operand it does not know',
      pattern: { n: [{ 'anything-but': { numeric: ['>', 1] } }] },
      problem: /^n\[0\]\.anything-but: expected a string, a number/,
    },
    {
      name: 'a $or with one branch',
      pattern: { $or: [{ a: ['x'] }] },
      problem: /^\$or: expected an array of at least two/,
    },
    {
      name: 'a problem inside a $or branch',
      pattern: { $or: [{ a: ['x'] }, { b: 'y' }] },
      problem: /^\$or\[1\]\.b: expected an array/,
    },
  ];

  it.each(invalid)('names the path when $name', ({ pattern, problem }) => {
    const problems = validatePattern(pattern);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('accepts every pattern of the matching table', () => {
    for (const { pattern } of cases) expect(validatePattern(pattern)).toEqual([]);
  });
});

describe('matchesPattern properties', () => {
  const key = fc.constantFrom('a', 'b', 'c', 'detail', 'state', 'id');
  const scalar = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.boolean(),
    fc.constant(null),
  );
  const event = fc.dictionary(key, fc.oneof(scalar, fc.dictionary(key, scalar, { maxKeys: 3 })), {
    maxKeys: 4,
  });

  /** A pattern that lists, for every field of the event, exactly its own value. */
  const ownValues = (value: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => typeof field !== 'object' || field === null || Object.keys(field).length > 0)
        .map(([name, field]) =>
          typeof field === 'object' && field !== null
            ? [name, ownValues(field as Record<string, unknown>)]
            : [name, [field]],
        ),
    );

  it('a pattern built from an event’s own values always matches it', () => {
    fc.assert(fc.property(event, (value) => matchesPattern(ownValues(value), value)));
  });

  it('anything-but a value is the complement of matching that value, for a present field', () => {
    fc.assert(
      fc.property(
        scalar,
        scalar.filter((value) => value !== null && typeof value !== 'boolean'),
        (value, operand) => {
          const event = { field: value };
          return (
            matchesPattern({ field: [{ 'anything-but': operand }] }, event) !==
            matchesPattern({ field: [operand] }, event)
          );
        },
      ),
    );
  });

  it('exists: false is the complement of exists: true', () => {
    fc.assert(
      fc.property(event, key, (value, name) => {
        return (
          matchesPattern({ [name]: [{ exists: false }] }, value) !==
          matchesPattern({ [name]: [{ exists: true }] }, value)
        );
      }),
    );
  });

  it('adding a value to a field’s list never turns a match into a miss', () => {
    fc.assert(
      fc.property(event, key, scalar, scalar, (value, name, first, second) => {
        return (
          !matchesPattern({ [name]: [first] }, value) || matchesPattern({ [name]: [first, second] }, value)
        );
      }),
    );
  });

  it('a prefix of a string always matches it; its equals-ignore-case form matches any casing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.nat(12), (text, cut) => {
        const prefix = text.slice(0, cut);
        return (
          matchesPattern({ f: [{ prefix }] }, { f: text }) &&
          matchesPattern(
            { f: [{ prefix: { 'equals-ignore-case': prefix.toUpperCase() } }] },
            { f: text.toLowerCase() },
          )
        );
      }),
    );
  });
});

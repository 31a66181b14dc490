import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT_CLASSES } from '../../../../lib/alerts/config.js';
import { type RunbooksConfig, runbookFor } from '../../../../lib/alerts/runbooks.js';
import { alertsConfig } from '../../../support/alerts.js';

const runbooks = (input: unknown): RunbooksConfig => alertsConfig({ runbooks: input }).runbooks;

const CONFIGURED = runbooks({
  groups: { 'service:web': 'https://wiki.example.com/runbooks/web' },
  families: {
    web: 'https://wiki.example.com/runbooks/web-family',
    report: 'https://wiki.example.com/runbooks/report',
  },
  classes: { oom: 'https://wiki.example.com/runbooks/oom' },
  default: 'https://wiki.example.com/runbooks/ecs',
});

describe('runbookFor: the most specific rule that matches wins', () => {
  it.each([
    {
      says: 'the group’s rule beats its family’s, its class’s and the default',
      subject: { group: 'service:web', family: 'web', exitClass: 'oom' },
      runbook: { url: 'https://wiki.example.com/runbooks/web', matched: 'group service:web' },
    },
    {
      says: 'the family’s rule beats the class’s',
      subject: { group: 'family:report', family: 'report', exitClass: 'oom' },
      runbook: { url: 'https://wiki.example.com/runbooks/report', matched: 'family report' },
    },
    {
      says: 'the class’s rule beats the default',
      subject: { group: 'service:api', family: 'api', exitClass: 'oom' },
      runbook: { url: 'https://wiki.example.com/runbooks/oom', matched: 'class oom' },
    },
    {
      says: 'the default when nothing else matches',
      subject: { group: 'service:api', family: 'api', exitClass: 'app-error' },
      runbook: { url: 'https://wiki.example.com/runbooks/ecs', matched: 'default' },
    },
    {
      says: 'no family rule when the family is not known',
      subject: { group: 'service:worker', exitClass: 'app-error' },
      runbook: { url: 'https://wiki.example.com/runbooks/ecs', matched: 'default' },
    },
  ] as const)('$says', ({ subject, runbook }) => {
    expect(runbookFor(CONFIGURED, subject)).toEqual(runbook);
  });

  it('is none when no rule matches and there is no default', () => {
    expect(
      runbookFor(runbooks({}), { group: 'service:web', family: 'web', exitClass: 'oom' }),
    ).toBeUndefined();
  });

  it('matches names exactly, never a property every object has', () => {
    const subject = { group: 'constructor', family: '__proto__', exitClass: 'oom' } as const;

    expect(runbookFor(runbooks({}), subject)).toBeUndefined();
  });

  it('always picks the most specific configured rule that matches, whatever else is configured (property)', () => {
    // Names like Object.prototype's own keys too (zod drops a `__proto__` key from a record: it cannot be a rule).
    const name = fc.oneof(
      fc.string({ maxLength: 12 }).filter((text) => text !== '__proto__'),
      fc.constantFrom('constructor', 'toString', 'hasOwnProperty'),
    );
    const url = (tag: string) => `https://wiki.example.com/${encodeURIComponent(tag)}`;
    fc.assert(
      fc.property(
        fc.record({
          group: name,
          family: fc.option(name, { nil: undefined }),
          exitClass: fc.constantFrom(...EXIT_CLASSES),
          // Which of the incident's own rules exist; the other rules name other groups, families and classes.
          own: fc.record({
            group: fc.boolean(),
            family: fc.boolean(),
            class: fc.boolean(),
            default: fc.boolean(),
          }),
          others: fc.record({
            groups: fc.array(name, { maxLength: 3 }),
            families: fc.array(name, { maxLength: 3 }),
            classes: fc.subarray([...EXIT_CLASSES]),
          }),
        }),
        ({ group, family, exitClass, own, others }) => {
          const rules = (names: readonly string[], mine: string | undefined, present: boolean) =>
            Object.fromEntries([
              ...names.filter((other) => other !== mine).map((other) => [other, url(`other/${other}`)]),
              ...(present && mine !== undefined ? [[mine, url(`own/${mine}`)]] : []),
            ]);
          const config = runbooks({
            groups: rules(others.groups, group, own.group),
            families: rules(others.families, family, own.family),
            classes: rules(others.classes, exitClass, own.class),
            ...(own.default ? { default: url('default') } : {}),
          });

          const expected = own.group
            ? { url: url(`own/${group}`), matched: `group ${group}` }
            : own.family && family !== undefined
              ? { url: url(`own/${family}`), matched: `family ${family}` }
              : own.class
                ? { url: url(`own/${exitClass}`), matched: `class ${exitClass}` }
                : own.default
                  ? { url: url('default'), matched: 'default' }
                  : undefined;
          expect(runbookFor(config, { group, family, exitClass })).toEqual(expected);
        },
      ),
    );
  });
});

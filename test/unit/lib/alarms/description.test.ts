/**
 * How an ecs-ops alarm carries its severity to the page about it: `[<severity>] ` opening its AlarmDescription,
 * written by the stack and read back from the state-change event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmDescription, readAlarmDescription } from '../../../../lib/alarms/description.js';
import { SEVERITIES } from '../../../../lib/platform/notification/severity.js';

describe('alarmDescription / readAlarmDescription', () => {
  it('writes the severity in brackets before the text', () => {
    expect(alarmDescription('critical', 'The alert queue is backing up')).toBe(
      '[critical] The alert queue is backing up',
    );
  });

  it('reads back the severity and the text it wrote, for every severity and any text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEVERITIES), fc.string(), (severity, text) => {
        const read = readAlarmDescription(alarmDescription(severity, text));
        expect(read).toEqual({ severity, text });
      }),
    );
  });

  it('takes the bracket without its space', () => {
    expect(readAlarmDescription('[low]queue age')).toEqual({ severity: 'low', text: 'queue age' });
  });

  it.each([
    ['no bracket', 'Goes into alarm when server CPU utilization is too high!'],
    ['an unknown word', '[urgent] reconcile errors'],
    ['a severity in capitals', '[HIGH] reconcile errors'],
    ['a severity not at the start', 'reconcile errors [high]'],
    ['nothing', ''],
  ])('reads no severity from a description with %s, and keeps all of its text', (_, description) => {
    expect(readAlarmDescription(description)).toEqual({ text: description });
  });
});

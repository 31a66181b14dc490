/**
 * The page about one of ecs-ops' own alarms: the severity its description gives (as subject wording, attribute
 * and pager severity), what it means and what to do, why CloudWatch changed it, where to look; keyed to the
 * alarm, so the page that says it cleared resolves the one that said it fired.
 */
import { describe, expect, it } from 'vitest';
import {
  alarmConsoleUrl,
  alarmDedupKey,
  renderAlarmPage,
  UNRATED_ALARM_SEVERITY,
} from '../../../../lib/alarms/render.js';
import type { AlarmStateChange } from '../../../../lib/alarms/state-change.js';
import { SUBJECT_MAX } from '../../../../lib/platform/notification/message.js';
import { chatbotNotification, pagerDutyEvent } from '../../../../lib/platform/notification/pager.js';

const ALARM = 'ecs-ops-prod-reconcile-errors';

/** reconcile-errors of stage prod firing in us-east-1 (aws partition), rated high by its description. */
const change = (overrides: Partial<AlarmStateChange> = {}): AlarmStateChange => ({
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  alarm: ALARM,
  alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM}`,
  description:
    '[high] reconcile failed records: the state table falls behind ECS. Read its dead-letter queue.',
  state: 'ALARM',
  previous: 'OK',
  reason:
    'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (02/10/19 16:59:00)] was greater than the threshold (0.0).',
  changedAt: '2019-10-02T17:04:40.985Z',
  region: 'us-east-1',
  ...overrides,
});
const context = { shortName: 'reconcile-errors', stage: 'prod' };
const cleared = () => change({ state: 'OK', previous: 'ALARM', reason: 'Threshold Crossed: back under.' });

describe('renderAlarmPage', () => {
  it('says which ecs-ops alarm fired where, with the severity its description gives, in the subject', () => {
    const page = renderAlarmPage(change(), 'trigger', context);

    expect(page.subject).toBe('[ecs-ops] HIGH: ecs-ops alarm reconcile-errors fired in prod');
    expect(page).toMatchObject({ severity: 'high', action: 'trigger', dedupKey: `alarm/${ALARM}` });
    expect(page.attributes).toEqual({ kind: 'alarm', severity: 'high', class: 'reconcile-errors' });
  });

  it('says it cleared, with the severity it fired at, under the same key: a pager resolves the page', () => {
    const fired = renderAlarmPage(change(), 'trigger', context);
    const resolved = renderAlarmPage(cleared(), 'resolve', context);

    expect(resolved.subject).toBe(
      '[ecs-ops] RESOLVED: ecs-ops alarm reconcile-errors cleared in prod (was high)',
    );
    expect(resolved).toMatchObject({ severity: 'high', action: 'resolve' });
    expect(resolved.dedupKey).toBe(fired.dedupKey);
    expect(resolved.attributes).toEqual(fired.attributes);
  });

  it.each(['critical', 'medium', 'low'] as const)('pages a %s alarm at that severity', (severity) => {
    const page = renderAlarmPage(change({ description: `[${severity}] queue age` }), 'trigger', context);

    expect(page.severity).toBe(severity);
    expect(page.attributes.severity).toBe(severity);
    expect(page.subject).toBe(
      `[ecs-ops] ${severity.toUpperCase()}: ecs-ops alarm reconcile-errors fired in prod`,
    );
  });

  it('pages an alarm whose description names no severity as high, and says the description named none', () => {
    const page = renderAlarmPage(change({ description: 'Someone else’s words' }), 'trigger', context);

    expect(UNRATED_ALARM_SEVERITY).toBe('high');
    expect(page.severity).toBe('high');
    expect(page.subject).toMatch(/^\[ecs-ops\] HIGH: /);
    expect(page.text).toContain("Severity: high (the alarm's description names none)");
    expect(page.text).toContain('Someone else’s words');
  });

  it('tells on-call what it means and what to do, why CloudWatch changed it, the alarm and the command', () => {
    const page = renderAlarmPage(change(), 'trigger', { ...context, cliFlags: ' --stage prod' });

    expect(page.text.split('\n')).toEqual([
      "ecs-ops' own alarm reconcile-errors fired in prod at 2019-10-02T17:04:40.985Z (OK -> ALARM).",
      'Severity: high',
      '',
      'What it means and what to do:',
      'reconcile failed records: the state table falls behind ECS. Read its dead-letter queue.',
      '',
      'CloudWatch says:',
      change().reason,
      '',
      `Alarm: ${ALARM}`,
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${ALARM}`,
      "ecs-ops' queues, scheduled runs and alarms: ecs-ops status --stage prod",
    ]);
  });

  it('leaves what to do out of the resolve: it is over', () => {
    const page = renderAlarmPage(cleared(), 'resolve', context);

    expect(page.text).toMatch(/^ecs-ops' own alarm reconcile-errors cleared in prod at .* \(ALARM -> OK\)\./);
    expect(page.text).not.toContain('What it means and what to do');
    expect(page.text).toContain('CloudWatch says:\nThreshold Crossed: back under.');
  });

  it('gives machines the same facts as JSON', () => {
    const page = renderAlarmPage(change(), 'trigger', context);

    expect(page.json).toEqual({
      schemaVersion: 1,
      kind: 'alarm',
      alarm: ALARM,
      stage: 'prod',
      state: 'ALARM',
      previousState: 'OK',
      changedAt: '2019-10-02T17:04:40.985Z',
      reason: change().reason,
      description: 'reconcile failed records: the state table falls behind ECS. Read its dead-letter queue.',
      commands: ['ecs-ops status'],
      links: {
        alarm: `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${ALARM}`,
      },
    });
  });

  it('cuts a long CloudWatch reason in the body, and keeps a long name’s subject under SNS’s limit', () => {
    const page = renderAlarmPage(change({ reason: 'x'.repeat(2000) }), 'trigger', {
      shortName: 'a-very-long-alarm-name-'.repeat(6),
      stage: 'production-eu-west-1-blue',
    });

    expect(page.text).toContain('(1500 more characters)');
    expect(page.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(page.subject).toMatch(/^\[ecs-ops\] HIGH: ecs-ops alarm .* fired in /);
  });
});

describe('alarmConsoleUrl', () => {
  it('links to the alarm in the console of its partition and region', () => {
    expect(alarmConsoleUrl(change())).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${ALARM}`,
    );
    expect(
      alarmConsoleUrl(
        change({
          alarmArn: `arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:${ALARM}`,
          region: 'cn-north-1',
        }),
      ),
    ).toBe(
      `https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/${ALARM}`,
    );
  });

  it('encodes the name', () => {
    expect(
      alarmConsoleUrl(
        change({ alarm: 'ecs-ops prod/odd', alarmArn: 'arn:aws:cloudwatch:us-east-1:1:alarm:x' }),
      ),
    ).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/ecs-ops%20prod%2Fodd',
    );
  });

  it('gives no link without the alarm’s ARN, or in a partition whose console it does not know', () => {
    const { alarmArn: _, ...withoutArn } = change();

    expect(alarmConsoleUrl(withoutArn)).toBeUndefined();
    expect(
      alarmConsoleUrl(change({ alarmArn: `arn:aws-iso:cloudwatch:us-iso-east-1:1:alarm:${ALARM}` })),
    ).toBeUndefined();
    expect(alarmConsoleUrl(change({ alarmArn: 'not an ARN' }))).toBeUndefined();
  });

  it('leaves the link out of the page when there is none', () => {
    const { alarmArn: _, ...withoutArn } = change();
    const page = renderAlarmPage(withoutArn, 'trigger', context);

    expect(page.text).not.toContain('https://');
    expect(page.json).not.toHaveProperty('links');
  });
});

describe('the alarm page in the pager forms', () => {
  it('gives PagerDuty the alarm’s link and a chat card the link and the status command as next steps', () => {
    const page = renderAlarmPage(change(), 'trigger', context);
    const url = `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${ALARM}`;

    expect(pagerDutyEvent(page, 'routing-key')).toMatchObject({
      event_action: 'trigger',
      dedup_key: `alarm/${ALARM}`,
      links: [{ href: url, text: 'Alarm' }],
    });
    expect(chatbotNotification(page).content.nextSteps).toEqual([`Alarm: ${url}`, 'Run `ecs-ops status`']);
  });
});

describe('alarmDedupKey', () => {
  it('is one key per alarm', () => {
    expect(alarmDedupKey(ALARM)).toBe('alarm/ecs-ops-prod-reconcile-errors');
  });
});

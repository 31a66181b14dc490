/**
 * A page as PagerDuty (Events API v2) and AWS Chatbot (custom notifications) read it from an HTTPS subscription:
 * the trigger and the resolve of one incident share a key, so the pager closes what it opened and the chat
 * threads them.
 */
import { describe, expect, it } from 'vitest';
import { renderReleaseWithTasks } from '../../../../../lib/drain/render.js';
import { renderRunFailure } from '../../../../../lib/jobs/render.js';
import type { AlertMessage } from '../../../../../lib/platform/notification/message.js';
import {
  chatbotNotification,
  DEDUP_KEY_MAX,
  pagerDedupKey,
  pagerDutyEvent,
} from '../../../../../lib/platform/notification/pager.js';
import { A, B, drainOf, INSTANCE_ID, service } from '../../../../support/drains.js';

const ROUTING_KEY = '0123456789abcdef0123456789abcdef';
const TASK = 'arn:aws:ecs:us-east-1:111122223333:task/prod/0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEY = `${TASK}#2024-05-01T13:00:00.000Z`;
const TASK_LINK = 'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/0a1b/configuration';
const SERVICE_LINK = 'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/api/health';

/** An incident's page, in the form lib/alerts/render.ts gives it. */
const incident: AlertMessage = {
  subject: '[ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod',
  text: [
    'api OOM-killed (exit 137) in prod.',
    '',
    'Container: api',
    'Exit code: 137',
    'Reason: OutOfMemoryError: Container killed due to memory usage',
    'Class: oom, severity critical',
    '',
    'Service: api',
    `Task: ${TASK}`,
  ].join('\n'),
  json: {
    schemaVersion: 1,
    kind: 'incident',
    key: KEY,
    cluster: 'prod',
    taskArn: TASK,
    exitCode: 137,
    severity: 'critical',
    links: { task: TASK_LINK, service: SERVICE_LINK },
  },
  attributes: {
    kind: 'incident',
    cluster: 'prod',
    group: 'service:api',
    service: 'api',
    severity: 'critical',
    class: 'oom',
  },
  severity: 'critical',
  dedupKey: KEY,
  action: 'trigger',
};

/** The same incident over: the message that resolves it carries its key. */
const resolved: AlertMessage = {
  ...incident,
  subject: '[ecs-ops] RESOLVED: api back to its desired count in prod',
  text: 'api is back to its desired count in prod, with no essential exit for 5 min.',
  json: { kind: 'resolved', incident: KEY, cluster: 'prod' },
  action: 'resolve',
};

describe('pagerDutyEvent', () => {
  it('triggers an incident under its key, with the subject as summary and the facts as details', () => {
    expect(pagerDutyEvent(incident, ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: KEY,
      client: 'ecs-ops',
      payload: {
        summary: 'CRITICAL: api OOM-killed (exit 137) in prod',
        source: 'prod',
        severity: 'critical',
        component: 'api',
        group: 'service:api',
        class: 'oom',
        custom_details: { ...incident.json, dedupKey: KEY, action: 'trigger' },
      },
      links: [
        { href: TASK_LINK, text: 'Task' },
        { href: SERVICE_LINK, text: 'Service' },
      ],
    });
  });

  it('resolves the same incident by the same key, with nothing else a resolve does not need', () => {
    const trigger = pagerDutyEvent(incident, ROUTING_KEY);

    const resolve = pagerDutyEvent(resolved, ROUTING_KEY);

    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: KEY });
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
  });

  it('leaves the routing key out when none is configured', () => {
    expect(pagerDutyEvent(incident)).not.toHaveProperty('routing_key');
    expect(pagerDutyEvent(resolved)).toEqual({ event_action: 'resolve', dedup_key: KEY });
  });

  it('pages a failed job run as an error of the job, deduplicated by the run', () => {
    const page = renderRunFailure({
      job: 'report',
      cluster: 'batch',
      slot: '2024-05-02T02:30:00.000Z',
      tasks: ['arn:aws:ecs:us-east-1:111122223333:task/batch/0123'],
      outcome: {
        result: 'failed',
        exitCodes: { report: 1 },
        reason: 'task 0123: EssentialContainerExited (report exited 1)',
        durationSeconds: 61,
      },
    });

    const event = pagerDutyEvent(page, ROUTING_KEY);

    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'job#report#2024-05-02T02:30:00.000Z',
      payload: {
        summary: 'HIGH: job report failed: report exited 1 in batch',
        source: 'batch',
        severity: 'error',
        component: 'report',
        class: 'job-failure',
        custom_details: { kind: 'job-run-failed', severity: 'high', action: 'trigger' },
      },
    });
    expect(event).not.toHaveProperty('links');
  });

  it('pages a drain cut short as a warning about the instance, deduplicated by the drain', () => {
    const drain = drainOf({ tasks: { [A]: service('RUNNING'), [B]: service('RUNNING') } });

    const event = pagerDutyEvent(renderReleaseWithTasks(drain, 'deadline', [A, B]), ROUTING_KEY);

    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: `drain#${INSTANCE_ID}#${drain.startedAt}`,
      payload: {
        summary: `MEDIUM: ${INSTANCE_ID} released at its drain deadline with 2 tasks running`,
        source: 'prod',
        severity: 'warning',
        component: INSTANCE_ID,
        class: 'drain-deadline',
        custom_details: { kind: 'drain-cut-short', severity: 'medium' },
      },
    });
  });

  it('keeps a key longer than Events v2 takes to 255 characters, the same each time, distinct per key', () => {
    const long = `${'arn:aws:ecs:us-east-1:111122223333:task/'.padEnd(300, 'x')}#2024-05-01T13:00:00.000Z`;
    const other = long.replace('13:00', '14:00');

    const shortened = pagerDedupKey(long);

    expect(shortened).toHaveLength(DEDUP_KEY_MAX);
    expect(shortened.startsWith('arn:aws:ecs:us-east-1:111122223333:task/')).toBe(true);
    expect(pagerDedupKey(long)).toBe(shortened);
    expect(pagerDedupKey(other)).not.toBe(shortened);
    expect(pagerDedupKey(KEY)).toBe(KEY);
    expect(pagerDutyEvent({ ...incident, dedupKey: long }).dedup_key).toBe(shortened);
  });
});

describe('chatbotNotification', () => {
  it('is a custom notification: a title, a short description, the links as next steps, threaded by the key', () => {
    expect(chatbotNotification(incident)).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: 'CRITICAL: api OOM-killed (exit 137) in prod',
        description: [
          'api OOM-killed (exit 137) in prod.',
          '',
          'Container: api',
          'Exit code: 137',
          'Reason: OutOfMemoryError: Container killed due to memory usage',
          'Class: oom, severity critical',
        ].join('\n'),
        nextSteps: [`Task: ${TASK_LINK}`, `Service: ${SERVICE_LINK}`],
        keywords: ['critical', 'prod', 'oom'],
      },
      metadata: {
        threadId: KEY,
        summary: 'CRITICAL: api OOM-killed (exit 137) in prod',
        eventType: 'incident',
        relatedResources: [TASK],
        additionalContext: incident.attributes,
      },
    });
  });

  it('threads the resolve under its incident', () => {
    const resolve = chatbotNotification(resolved);

    expect(resolve.metadata.threadId).toBe(chatbotNotification(incident).metadata.threadId);
    expect(resolve.content.title).toBe('RESOLVED: api back to its desired count in prod');
    expect(resolve.content).not.toHaveProperty('nextSteps');
  });

  it('gives a job page the command to run next and its tasks as related resources', () => {
    const task = 'arn:aws:ecs:us-east-1:111122223333:task/batch/0123';
    const page = renderRunFailure({
      job: 'report',
      cluster: 'batch',
      slot: '2024-05-02T02:30:00.000Z',
      tasks: [task],
      outcome: { result: 'timed-out', exitCodes: {}, reason: 'timed out', durationSeconds: 1800 },
    });

    const { content, metadata } = chatbotNotification(page);

    expect(content.nextSteps).toEqual(['Run `ecs-ops jobs history report`']);
    expect(metadata).toMatchObject({
      threadId: 'job#report#2024-05-02T02:30:00.000Z',
      eventType: 'job-run-failed',
      relatedResources: [task],
    });
  });

  it('cuts a long body to a card’s few lines and says so', () => {
    const tasks = Array.from(
      { length: 12 },
      (_, index) => `arn:aws:ecs:us-east-1:111122223333:task/prod/${index}`,
    );
    const drain = drainOf({ tasks: Object.fromEntries(tasks.map((arn) => [arn, service('RUNNING')])) });

    const { description } = chatbotNotification(renderReleaseWithTasks(drain, 'deadline', tasks)).content;

    expect(description.split('\n')).toHaveLength(9);
    expect(description.endsWith('\n…')).toBe(true);
  });
});

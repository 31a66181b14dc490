import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT_CLASSES } from '../../../../lib/alerts/config.js';
import type { CrashLoopSummary } from '../../../../lib/alerts/crash-loop.js';
import { detectIncident } from '../../../../lib/alerts/detect.js';
import type { Incident } from '../../../../lib/alerts/model.js';
import { renderAlert, renderCrashLoopSummary } from '../../../../lib/alerts/render.js';
import { REASON_MAX, SUBJECT_MAX } from '../../../../lib/platform/notification/message.js';
import { alertsConfig, facts, fixtureTask, incident } from '../../../support/alerts.js';

function fromFixture(file: string, essential: string[]): Incident {
  const detection = detectIncident(fixtureTask(file), facts(essential), alertsConfig());
  if (detection.kind !== 'incident') throw new Error(detection.reason);
  return detection.incident;
}

const summary = (overrides: Partial<CrashLoopSummary> = {}): CrashLoopSummary => ({
  cluster: 'prod',
  group: 'service:worker',
  service: 'worker',
  windowStartedAt: '2024-05-01T13:00:00.000Z',
  windowEndsAt: '2024-05-01T13:10:00.000Z',
  count: 7,
  lastExit: {
    exitClass: 'oom',
    exitCode: 137,
    reason: 'OutOfMemoryError: Container killed due to memory usage',
    taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/feedc0de00000000feedc0de00000000',
    stoppedAt: '2024-05-01T13:09:30.000Z',
  },
  ...overrides,
});

describe('renderAlert: subjects', () => {
  it.each([
    {
      says: 'the Fargate OOM fixture',
      file: 'fargate-stopped-essential-exit.json',
      essential: ['api'],
      subject: '[ecs-ops] api OOM-killed (exit 137) in prod',
    },
    {
      says: 'the image pull fixture',
      file: 'fargate-stopped-image-pull.json',
      essential: ['etl'],
      subject: '[ecs-ops] etl failed: image pull (CannotPullContainerError) in batch',
    },
    {
      says: 'the EC2 fixture',
      file: 'ec2-stopped.json',
      essential: ['report'],
      subject: '[ecs-ops] report exited with code 1 in prod',
    },
  ])('$says → $subject', ({ file, essential, subject }) => {
    expect(renderAlert(fromFixture(file, essential)).subject).toBe(subject);
  });

  it.each([
    {
      cause: { container: 'web', exitCode: 139, exitClass: 'segfault' },
      subject: '[ecs-ops] web crashed: segfault (exit 139) in prod',
    },
    {
      cause: { container: 'web', exitCode: 143, exitClass: 'signal' },
      subject: '[ecs-ops] web killed by SIGTERM (exit 143) in prod',
    },
    {
      cause: { container: 'web', exitCode: 137, exitClass: 'signal' },
      subject: '[ecs-ops] web killed by SIGKILL (exit 137) in prod',
    },
    {
      cause: { container: 'web', exitCode: 158, exitClass: 'signal' },
      subject: '[ecs-ops] web killed by signal 30 (exit 158) in prod',
    },
    {
      cause: { container: 'web', exitCode: 0, exitClass: 'clean-exit' },
      subject: '[ecs-ops] web stopped: container exited 0 in prod',
    },
    {
      cause: { container: 'web', reason: 'OutOfMemoryError: killed', exitClass: 'oom' },
      subject: '[ecs-ops] web OOM-killed in prod',
    },
    {
      cause: { container: 'web', exitClass: 'failed-to-start' },
      subject: '[ecs-ops] web failed to start in prod',
    },
    {
      cause: {
        container: 'web',
        reason: 'CannotStartContainerError: Error response from daemon',
        exitClass: 'failed-to-start',
      },
      subject: '[ecs-ops] web failed to start (CannotStartContainerError) in prod',
    },
  ] as const)('$cause.exitClass $cause.exitCode → $subject', ({ cause, subject }) => {
    expect(renderAlert(incident({ cause })).subject).toBe(subject);
  });

  it('shortens long names, never the words that say what happened', () => {
    const long = incident({
      service: 'a-very-long-service-name-'.repeat(6),
      cluster: 'production-cluster-in-eu-west-1',
    });

    const { subject } = renderAlert(long);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(
      /^\[ecs-ops\] a-very-long-service-name-.*\.\.\. OOM-killed \(exit 137\) in production-cluster-in-eu-west-1$/,
    );
  });

  it('is at most 99 characters of printable ASCII on one line, with the class words, for any names (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 400 });
    fc.assert(
      fc.property(
        text,
        text,
        fc.option(text, { nil: undefined }),
        fc.constantFrom(...EXIT_CLASSES),
        fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
        (cluster, name, reason, exitClass, exitCode) => {
          const subject = renderAlert(
            incident({
              cluster,
              service: name,
              group: `service:${name}`,
              cause: { container: name, exitClass, exitCode, reason },
            }),
          ).subject;
          expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
          expect(subject).toMatch(/^\[ecs-ops\] [\x20-\x7e]*$/);
          if (exitClass === 'oom')
            expect(subject).toContain(`OOM-killed${exitCode === undefined ? '' : ` (exit ${exitCode})`}`);
          if (exitClass === 'image-pull') expect(subject).toContain('failed: image pull');
          expect(subject).toContain(' in ');
        },
      ),
    );
  });
});

describe('renderAlert: the body', () => {
  it('says what stopped, where, when and for how long, with console links (Fargate service)', () => {
    const { text } = renderAlert(fromFixture('fargate-stopped-essential-exit.json', ['api']));

    expect(text.split('\n')).toEqual([
      'api OOM-killed (exit 137) in prod.',
      '',
      'Container: api',
      'Exit code: 137',
      'Reason: OutOfMemoryError: Container killed due to memory usage',
      'Class: oom, severity critical',
      '',
      'Service: api',
      'Task definition: api:17',
      'Task: cd7fd5c04e80fa470d33c7189c38150d',
      'Cluster: prod',
      'Ran on: Fargate, us-east-1a',
      '',
      'Created: 2024-05-01T13:05:10.214Z',
      'Started: 2024-05-01T13:05:44.381Z',
      'Stopped: 2024-05-01T13:28:19.836Z',
      'Run time: 22m 35s',
      '',
      'Stop code: EssentialContainerExited',
      'Stopped reason: Essential container in task exited',
      '',
      'Task in the console:',
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/cd7fd5c04e80fa470d33c7189c38150d/configuration?region=us-east-1',
      'Service in the console:',
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/api/health?region=us-east-1',
      '',
      'Account 111122223333, region us-east-1',
      'Incident arn:aws:ecs:us-east-1:111122223333:task/prod/cd7fd5c04e80fa470d33c7189c38150d#2024-05-01T13:28:19.836Z',
    ]);
  });

  it('names the container instance of an EC2 task and its group when there is no service', () => {
    const { text } = renderAlert(fromFixture('ec2-stopped.json', ['report']));

    expect(text).toContain('\nGroup: family:report\n');
    expect(text).toContain('\nRan on: EC2 container instance 1c462d635d829a53fd63170b903eab65, us-east-1a\n');
    expect(text).toContain('\nRun time: 6m 48s\n');
    expect(text).not.toContain('Service in the console');
    expect(text).not.toContain('\nReason:');
  });

  it('says so when there is no exit code and the task never started', () => {
    const { text } = renderAlert(fromFixture('fargate-stopped-image-pull.json', ['etl']));

    expect(text).toContain('\nExit code: none reported\n');
    expect(text).toContain('\nStarted: never\n');
    expect(text).toContain('\nRun time: unknown (no start time)\n');
    expect(text).toContain('\nStop code: TaskFailedToStart\n');
    expect(text).toContain(
      '\nReason: CannotPullContainerError: pull image manifest has been retried 1 time(s)',
    );
  });

  it('cuts very long reasons and says how much was cut', () => {
    const reason = `OutOfMemoryError: ${'x'.repeat(5000)}`;

    const { text, json } = renderAlert(
      incident({ cause: { container: 'web', exitCode: 137, reason, exitClass: 'oom' } }),
    );

    const line = text.split('\n').find((l) => l.startsWith('Reason: '));
    expect(line).toBe(
      `Reason: ${reason.slice(0, REASON_MAX)}… (${reason.length - REASON_MAX} more characters)`,
    );
    expect(json.reason).toBe(reason);
  });

  it('keeps every body line but the links short enough for a phone', () => {
    const { text } = renderAlert(fromFixture('fargate-stopped-essential-exit.json', ['api']));

    const long = text
      .split('\n')
      .filter((l) => l.length > 80 && !l.startsWith('https://') && !l.startsWith('Incident '));
    expect(long).toEqual([]);
  });
});

describe('renderAlert: a late page, for a stop resync found (its ECS event never arrived)', () => {
  // The incident's task stopped at 13:28:19.836Z; resync noticed it 11 minutes 40 seconds later.
  const FOUND_AT = '2024-05-01T13:40:00.000Z';
  const late = incident({ foundByResyncAt: FOUND_AT });

  it('marks the subject late, before the words that say what happened', () => {
    expect(renderAlert(late).subject).toBe('[ecs-ops] [late] web OOM-killed (exit 137) in prod');
  });

  it('opens the body with when resync found it, why the page is late and by how much; the rest as on time', () => {
    const onTime = renderAlert(incident()).text;

    const { text } = renderAlert(late);

    expect(text.split('\n').slice(0, 4)).toEqual([
      'Found by resync at 2024-05-01T13:40:00.000Z:',
      'the ECS event for this stop never arrived, so this page is late',
      '(stopped 11m 40s before it was noticed).',
      '',
    ]);
    expect(text.split('\n').slice(4).join('\n')).toBe(onTime);
  });

  it('says nothing of lateness on a page from the event', () => {
    const { subject, text, json } = renderAlert(incident());

    expect(subject).not.toContain('[late]');
    expect(text).not.toContain('resync');
    expect(json).not.toHaveProperty('foundBy');
  });

  it('tells machines it was found by resync, and when', () => {
    expect(renderAlert(late).json).toMatchObject({ foundBy: 'resync', foundByResyncAt: FOUND_AT });
  });

  it('keeps the late lines short enough for a phone, even a stop found weeks later', () => {
    const { text } = renderAlert(incident({ foundByResyncAt: '2024-07-09T23:59:59.999Z' }));

    const lines = text.split('\n').slice(0, 3);
    expect(lines[2]).toBe('(stopped 69d 10h 31m before it was noticed).');
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
  });

  it('keeps the late subject within SNS’s limit, marked, with the class words, for any names (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 400 });
    fc.assert(
      fc.property(text, text, (cluster, name) => {
        const { subject } = renderAlert(
          incident({ cluster, service: name, group: `service:${name}`, foundByResyncAt: FOUND_AT }),
        );
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
        expect(subject).toMatch(/^\[ecs-ops\] \[late\] [\x20-\x7e]*$/);
        expect(subject).toContain('OOM-killed (exit 137)');
      }),
    );
  });
});

describe('renderAlert: json and attributes', () => {
  it('gives machines the incident with a schema version', () => {
    const message = renderAlert(fromFixture('fargate-stopped-essential-exit.json', ['api']));

    expect(message.json).toMatchObject({
      schemaVersion: 1,
      kind: 'incident',
      cluster: 'prod',
      group: 'service:api',
      service: 'api',
      family: 'api',
      revision: 17,
      taskId: 'cd7fd5c04e80fa470d33c7189c38150d',
      container: 'api',
      exitCode: 137,
      exitClass: 'oom',
      severity: 'critical',
      runTimeSeconds: 1355,
      links: {
        task: expect.stringContaining('/tasks/cd7fd5c04e80fa470d33c7189c38150d/configuration'),
        service: expect.stringContaining('/services/api/health'),
      },
    });
    expect(JSON.parse(JSON.stringify(message.json))).toEqual(message.json);
  });

  it('gives SNS string attributes: cluster, group always, service when there is one, severity, class', () => {
    expect(renderAlert(fromFixture('fargate-stopped-essential-exit.json', ['api'])).attributes).toEqual({
      kind: 'incident',
      cluster: 'prod',
      group: 'service:api',
      service: 'api',
      family: 'api',
      severity: 'critical',
      class: 'oom',
    });
    expect(renderAlert(fromFixture('ec2-stopped.json', ['report'])).attributes).toEqual({
      kind: 'incident',
      cluster: 'prod',
      group: 'family:report',
      family: 'report',
      severity: 'high',
      class: 'app-error',
    });
  });
});

describe('renderCrashLoopSummary', () => {
  it.each([
    {
      says: 'an OOM loop',
      s: summary(),
      subject: '[ecs-ops] worker: 7 more exits in 10 min in prod, last exit 137 OOM',
    },
    {
      says: 'one exit of a job',
      s: summary({
        service: undefined,
        group: 'family:report',
        count: 1,
        lastExit: { ...summary().lastExit, exitClass: 'app-error', exitCode: 1 },
      }),
      subject: '[ecs-ops] report: 1 more exit in 10 min in prod, last exit 1',
    },
    {
      says: 'image pulls without exit codes',
      s: summary({
        count: 3,
        lastExit: {
          exitClass: 'image-pull',
          taskArn: summary().lastExit.taskArn,
          stoppedAt: '2024-05-01T13:01:00Z',
        },
      }),
      subject: '[ecs-ops] worker: 3 more exits in 10 min in prod, last: image pull',
    },
  ])('$says → $subject', ({ s, subject }) => {
    expect(renderCrashLoopSummary(s).subject).toBe(subject);
  });

  it('says how many, when, the last exit, and links to the last task and the service', () => {
    const { text, json, attributes } = renderCrashLoopSummary(summary());

    expect(text).toContain('worker in prod: 7 more exits in 10 min after the page.');
    expect(text).toContain('\nWindow: 2024-05-01T13:00:00.000Z to 2024-05-01T13:10:00.000Z\n');
    expect(text).toContain('\nExit code: 137\n');
    expect(text).toContain('\nReason: OutOfMemoryError: Container killed due to memory usage\n');
    expect(text).toContain(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/feedc0de00000000feedc0de00000000/configuration?region=eu-west-1',
    );
    expect(text).toContain(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/worker/health?region=eu-west-1',
    );
    expect(json).toMatchObject({ schemaVersion: 1, kind: 'crash-loop-summary', count: 7, windowMinutes: 10 });
    expect(attributes).toEqual({
      kind: 'crash-loop-summary',
      cluster: 'prod',
      group: 'service:worker',
      service: 'worker',
      class: 'oom',
    });
  });

  it('keeps the subject within the limit for any names (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        fc.nat(100_000),
        (cluster, name, count) => {
          const { subject } = renderCrashLoopSummary(
            summary({ cluster, service: name, group: `service:${name}`, count }),
          );
          expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
          expect(subject).toContain(`${count} more exit`);
          expect(subject).toContain('last exit 137 OOM');
        },
      ),
    );
  });
});

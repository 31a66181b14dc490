/**
 * The pages on-call reads, rendered from real-shaped events (events/ecs/task) and the task definitions ECS
 * returns for them (events/api/ecs): what broke, where, how badly, and where to look next.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertsConfig, EXIT_CLASSES } from '../../../../lib/alerts/config.js';
import type { CrashLoopSummary } from '../../../../lib/alerts/crash-loop.js';
import { type DetectionFacts, detectIncident } from '../../../../lib/alerts/detect.js';
import type { Incident } from '../../../../lib/alerts/model.js';
import { renderAlert, renderCrashLoopSummary } from '../../../../lib/alerts/render.js';
import { REASON_MAX, SUBJECT_MAX } from '../../../../lib/platform/notification/message.js';
import {
  alertsConfig,
  facts,
  fixtureInstanceFacts,
  fixtureTask,
  fixtureTaskDefinition,
  incident,
} from '../../../support/alerts.js';

const OOM_TASK = 'cd7fd5c04e80fa470d33c7189c38150d'; // fargate-stopped-essential-exit.json: service:api, api:17
const EC2_TASK = 'b48024b1269478ab623a10e102c8a888'; // ec2-stopped.json: family:report, report:7
const CHINA_TASK = '5e0d8a41c97b236fd01e4a8b7c26953e'; // fargate-stopped-essential-exit-aws-cn.json

function fromFixture(
  file: string,
  essential: string[],
  overrides: Partial<DetectionFacts> = {},
  config: AlertsConfig = alertsConfig(),
): Incident {
  const detection = detectIncident(fixtureTask(file), facts(essential, overrides), config);
  if (detection.kind !== 'incident') throw new Error(detection.reason);
  return detection.incident;
}

/** The service api OOM-killed on Fargate, with its task definition (awslogs, stream prefix `ecs`). */
const apiOom = (config?: AlertsConfig) =>
  fromFixture(
    'fargate-stopped-essential-exit.json',
    ['api'],
    { taskDefinition: fixtureTaskDefinition('api') },
    config,
  );

/** The job report that exited 1 on an EC2 instance, with its definition (awslogs, no prefix) and instance. */
const reportOnEc2 = () =>
  fromFixture('ec2-stopped.json', ['report'], {
    taskDefinition: fixtureTaskDefinition('report'),
    ...fixtureInstanceFacts('ec2-active.json'),
  });

const lines = (text: string) => text.split('\n');

/** The lines of the "What to do next:" block: from its heading to the blank line after it. */
function nextSteps(text: string): string[] {
  const all = lines(text);
  const start = all.indexOf('What to do next:');
  const end = all.indexOf('', start);
  return all.slice(start + 1, end === -1 ? undefined : end);
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
  severity: 'critical',
  incidentKey: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0a0a#2024-05-01T13:00:00.000Z',
  ...overrides,
});

const NO_RUNBOOKS = alertsConfig().runbooks;

describe('renderAlert: subjects', () => {
  it.each([
    {
      says: 'the Fargate OOM fixture, with the memory limit it hit',
      file: 'fargate-stopped-essential-exit.json',
      essential: ['api'],
      subject: '[ecs-ops] CRITICAL: api OOM-killed (exit 137, limit 896 MiB) in prod',
    },
    {
      says: 'the image pull fixture',
      file: 'fargate-stopped-image-pull.json',
      essential: ['etl'],
      subject: '[ecs-ops] HIGH: etl failed: image pull (CannotPullContainerError) in batch',
    },
    {
      says: 'the EC2 fixture',
      file: 'ec2-stopped.json',
      essential: ['report'],
      subject: '[ecs-ops] HIGH: report exited with code 1 in prod',
    },
  ])('$says → $subject', ({ file, essential, subject }) => {
    expect(renderAlert(fromFixture(file, essential)).subject).toBe(subject);
  });

  it.each([
    {
      cause: { container: 'web', exitCode: 139, exitClass: 'segfault' },
      subject: '[ecs-ops] CRITICAL: web crashed: segfault (exit 139) in prod',
    },
    {
      cause: { container: 'web', exitCode: 143, exitClass: 'signal' },
      subject: '[ecs-ops] CRITICAL: web killed by SIGTERM (exit 143) in prod',
    },
    {
      cause: { container: 'web', exitCode: 137, exitClass: 'signal' },
      subject: '[ecs-ops] CRITICAL: web killed by SIGKILL (exit 137) in prod',
    },
    {
      cause: { container: 'web', exitCode: 158, exitClass: 'signal' },
      subject: '[ecs-ops] CRITICAL: web killed by signal 30 (exit 158) in prod',
    },
    {
      cause: { container: 'web', exitCode: 0, exitClass: 'clean-exit' },
      subject: '[ecs-ops] CRITICAL: web stopped: container exited 0 in prod',
    },
    {
      cause: { container: 'web', reason: 'OutOfMemoryError: killed', exitClass: 'oom' },
      subject: '[ecs-ops] CRITICAL: web OOM-killed (limit 384 MiB) in prod',
    },
    {
      cause: { container: 'web', exitClass: 'failed-to-start' },
      subject: '[ecs-ops] CRITICAL: web failed to start in prod',
    },
    {
      cause: {
        container: 'web',
        reason: 'CannotStartContainerError: Error response from daemon',
        exitClass: 'failed-to-start',
      },
      subject: '[ecs-ops] CRITICAL: web failed to start (CannotStartContainerError) in prod',
    },
  ] as const)('$cause.exitClass $cause.exitCode → $subject', ({ cause, subject }) => {
    expect(renderAlert(incident({ cause })).subject).toBe(subject);
  });

  it.each([
    {
      says: 'the container’s hard limit',
      limits: { taskMemory: 2048, memory: 1024 },
      what: '(exit 137, limit 1024 MiB)',
    },
    {
      says: 'else the task’s memory',
      limits: { taskMemory: 2048, memoryReservation: 512 },
      what: '(exit 137, limit 2048 MiB)',
    },
    {
      says: 'never a soft limit alone: it is not a ceiling',
      limits: { memoryReservation: 512 },
      what: '(exit 137)',
    },
    { says: 'no limit when none is known', limits: {}, what: '(exit 137)' },
  ])('an OOM kill names the memory limit it hit: $says', ({ limits, what }) => {
    const { subject, text } = renderAlert(incident({ limits }));

    expect(subject).toBe(`[ecs-ops] CRITICAL: web OOM-killed ${what} in prod`);
    expect(lines(text)[0]).toBe(`web OOM-killed ${what} in prod.`);
  });

  it('shortens long names, never the words that say what happened', () => {
    const long = incident({
      service: 'a-very-long-service-name-'.repeat(6),
      cluster: 'production-cluster-in-eu-west-1',
    });

    const { subject } = renderAlert(long);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toBe(
      '[ecs-ops] CRITICAL: a-very-long-serv... OOM-killed (exit 137, limit 384 MiB) in production-clust...',
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
        fc.option(fc.integer({ min: 4, max: 2 ** 31 }), { nil: undefined }),
        (cluster, name, reason, exitClass, exitCode, memory) => {
          const subject = renderAlert(
            incident({
              cluster,
              service: name,
              group: `service:${name}`,
              cause: { container: name, exitClass, exitCode, reason },
              limits: memory === undefined ? {} : { memory },
            }),
          ).subject;
          expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
          expect(subject).toMatch(/^\[ecs-ops\] CRITICAL: [\x20-\x7e]*$/);
          if (exitClass === 'oom') {
            const facts = [
              exitCode === undefined ? '' : `exit ${exitCode}`,
              memory === undefined ? '' : `limit ${memory} MiB`,
            ];
            const said = facts.filter(Boolean).join(', ');
            expect(subject).toContain(`OOM-killed${said === '' ? '' : ` (${said})`}`);
          }
          if (exitClass === 'image-pull') expect(subject).toContain('failed: image pull');
          expect(subject).toContain(' in ');
        },
      ),
    );
  });
});

describe('renderAlert: the body', () => {
  it('says what broke, where, how badly, and what to do next (Fargate service, awslogs, a runbook)', () => {
    const config = alertsConfig({ runbooks: { classes: { oom: 'https://wiki.example.com/runbooks/oom' } } });

    const { text } = renderAlert(apiOom(config));

    expect(lines(text)).toEqual([
      'api OOM-killed (exit 137, limit 896 MiB) in prod.',
      '',
      'Container: api',
      'Exit code: 137',
      'Reason: OutOfMemoryError: Container killed due to memory usage',
      'Class: oom, severity critical',
      'Image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.14.0',
      'Digest: sha256:d569c304751b5c2339c417abb9f348c6b048632290ba31312538a6980b103d86',
      'Container limits: 448 CPU units, 896 MiB hard, 768 MiB soft',
      'Task limits: 512 CPU units, 1024 MiB',
      '',
      'Service: api',
      'Task definition: api:17',
      `Task: ${OOM_TASK}`,
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
      'What to do next:',
      'Runbook: https://wiki.example.com/runbooks/oom',
      'Logs: CloudWatch log group /ecs/api',
      `Log stream: ecs/api/${OOM_TASK}`,
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fapi/log-events/ecs$252Fapi$252F${OOM_TASK}`,
      'Task in the console:',
      `https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/${OOM_TASK}/configuration?region=us-east-1`,
      'Service in the console:',
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/api/health?region=us-east-1',
      'With ecs-ops:',
      `ecs-ops task ${OOM_TASK}`,
      'ecs-ops timeline service:api --cluster prod',
      '',
      'Account 111122223333, region us-east-1',
      `Incident arn:aws:ecs:us-east-1:111122223333:task/prod/${OOM_TASK}#2024-05-01T13:28:19.836Z`,
    ]);
  });

  it('names the EC2 instance and zone of an EC2 task, and its log group when awslogs has no stream prefix', () => {
    const { text } = renderAlert(reportOnEc2());

    expect(lines(text)).toContain('Ran on: EC2 instance i-0abc123def4567890, us-east-1a');
    expect(lines(text)).toContain('Container instance: 1c462d635d829a53fd63170b903eab65');
    expect(lines(text)).toContain('Group: family:report');
    expect(lines(text)).toContain('Container limits: 512 CPU units, 1024 MiB hard, 768 MiB soft');
    expect(nextSteps(text)).toEqual([
      'Runbook: none configured (alerts.runbooks)',
      'Logs: CloudWatch log group /ecs/report',
      'Log stream: named after the container id (no stream prefix)',
      'Container id: a960d5c714888b088583f45b320f8f3e784df4d3c6997ec5ff396f92a8d00e89',
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Freport',
      'Task in the console:',
      `https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/${EC2_TASK}/configuration?region=us-east-1`,
      'With ecs-ops:',
      `ecs-ops task ${EC2_TASK}`,
      'ecs-ops timeline family:report --cluster prod',
    ]);
  });

  it('names the container instance when the store does not know its EC2 instance', () => {
    const { text } = renderAlert(fromFixture('ec2-stopped.json', ['report']));

    expect(lines(text)).toContain(
      'Ran on: EC2 container instance 1c462d635d829a53fd63170b903eab65, us-east-1a',
    );
    expect(text).not.toContain('Container instance:');
    expect(text).not.toContain('Service in the console');
    expect(text).not.toContain('\nReason:');
  });

  it('says where FireLens routes the logs, and links the CloudWatch group it names (web:42)', () => {
    const deployments = alertsConfig({ pageOn: { deployments: true } });
    const web = fromFixture(
      'fargate-stopped.json',
      ['web', 'log-router'],
      { taskDefinition: fixtureTaskDefinition('web') },
      deployments,
    );

    const steps = nextSteps(renderAlert(web).text);

    expect(steps.slice(1, 3)).toEqual([
      'Logs: routed by FireLens to CloudWatch log group /ecs/web',
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fweb',
    ]);
  });

  it('says a container without a log configuration keeps no output, and links no logs (etl:8)', () => {
    const etl = fromFixture('fargate-stopped-image-pull.json', ['etl'], {
      taskDefinition: fixtureTaskDefinition('etl'),
    });

    const { text, json } = renderAlert(etl);

    expect(nextSteps(text).slice(0, 3)).toEqual([
      'Runbook: none configured (alerts.runbooks)',
      'Logs: none kept: etl has no log configuration',
      'Task in the console:',
    ]);
    expect(json.links).not.toHaveProperty('logs');
  });

  it.each([
    {
      says: 'a Firehose delivery stream',
      logs: {
        kind: 'firelens',
        output: 'firehose',
        destination: { service: 'firehose', deliveryStream: 'web-logs' },
      },
      said: ['Logs: routed by FireLens to Firehose stream web-logs'],
    },
    {
      says: 'a Kinesis stream',
      logs: {
        kind: 'firelens',
        output: 'kinesis',
        destination: { service: 'kinesis', stream: 'web-stream' },
      },
      said: ['Logs: routed by FireLens to Kinesis stream web-stream'],
    },
    {
      says: 'another FireLens output',
      logs: { kind: 'firelens', output: 'datadog' },
      said: ['Logs: routed by FireLens to its datadog output'],
    },
    {
      says: 'a FireLens router configured by its own file',
      logs: { kind: 'firelens' },
      said: ["Logs: routed by FireLens, where its log router's own configuration says"],
    },
    {
      says: 'another driver',
      logs: { kind: 'driver', driver: 'splunk', onInstance: false },
      said: ['Logs: sent by the splunk log driver'],
    },
    {
      says: 'a container whose definition is missing from its task definition',
      logs: { kind: 'unknown', missing: 'container-definition' },
      said: ['Logs: web is not in its task definition: cannot tell where its output went'],
    },
  ] as const)('says where the logs are: $says', ({ logs, said }) => {
    const { text } = renderAlert(incident({ logs }));

    expect(nextSteps(text).slice(1, 1 + said.length + 1)).toEqual([...said, 'Task in the console:']);
  });

  it('says json-file logs stay on the EC2 instance, with the container id docker logs takes', () => {
    const onInstance = incident({
      launchType: 'EC2',
      containerInstanceArn:
        'arn:aws:ecs:us-east-1:111122223333:container-instance/prod/1c462d635d829a53fd63170b903eab65',
      ec2InstanceId: 'i-0abc123def4567890',
      runtimeId: 'a960d5c714888b088583f45b320f8f3e784df4d3c6997ec5ff396f92a8d00e89',
      logs: { kind: 'driver', driver: 'json-file', onInstance: true },
    });

    expect(nextSteps(renderAlert(onInstance).text).slice(1, 3)).toEqual([
      'Logs: json-file log driver, kept on the instance i-0abc123def4567890',
      'Container id: a960d5c714888b088583f45b320f8f3e784df4d3c6997ec5ff396f92a8d00e89',
    ]);
  });

  it('says "task definition not known" where it would have used it, and keeps what the event told', () => {
    const unknown = fromFixture('fargate-stopped-essential-exit.json', ['api'], {}, alertsConfig());
    const withoutLimits = { ...unknown, limits: {}, image: undefined };

    const { text } = renderAlert(unknown);
    const bare = renderAlert(withoutLimits).text;

    expect(lines(text)).toContain('Container limits: 448 CPU units, 896 MiB');
    expect(lines(text)).toContain('Image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.14.0');
    expect(nextSteps(text)[1]).toBe("Logs: task definition not known: cannot tell where api's output went");
    expect(lines(bare)).toContain('Image: task definition not known: not in the event');
    expect(lines(bare)).toContain('Container limits: task definition not known: none in the event');
    expect(lines(bare)).toContain('Task limits: task definition not known: none in the event');
  });

  it('says a container with a known definition but no limits has none set', () => {
    const { text } = renderAlert(incident({ limits: {} }));

    expect(lines(text)).toContain('Container limits: none set');
    expect(lines(text)).toContain('Task limits: none set');
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

    const line = lines(text).find((l) => l.startsWith('Reason: '));
    expect(line).toBe(
      `Reason: ${reason.slice(0, REASON_MAX)}… (${reason.length - REASON_MAX} more characters)`,
    );
    expect(json.reason).toBe(reason);
  });

  it('keeps every body line but the links short enough for a phone', () => {
    for (const page of [apiOom(), reportOnEc2()]) {
      const long = lines(renderAlert(page).text).filter(
        (l) => l.length > 80 && !l.startsWith('https://') && !l.startsWith('Incident '),
      );
      expect(long).toEqual([]);
    }
  });

  it('writes commands a shell takes as they are, quoting names a shell would split', () => {
    const { text } = renderAlert(
      incident({ group: "family:nightly report's", service: undefined, cluster: 'prod' }),
    );

    expect(lines(text)).toContain("ecs-ops timeline 'family:nightly report'\\''s' --cluster prod");
  });
});

describe('renderAlert: in its deployment, and within an outage', () => {
  const deployed = { cliFlags: ' --store aws --stage prod --region eu-west-1' };

  it('points the ecs-ops commands at the deployed store when the function names it', () => {
    const page = renderAlert(apiOom(), deployed);

    expect(nextSteps(page.text)).toEqual(
      expect.arrayContaining([
        `ecs-ops task ${OOM_TASK} --store aws --stage prod --region eu-west-1`,
        'ecs-ops timeline service:api --cluster prod --store aws --stage prod --region eu-west-1',
      ]),
    );
  });

  it('says a page that reopens a crash loop continues the outage, and joins its first incident at the pager', () => {
    const first = incident({
      key: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0a0a#2024-05-01T13:00:00.000Z',
    });
    const continues = { incidentKey: first.key, since: '2024-05-01T13:00:00.000Z' };

    const page = renderAlert(apiOom(), { continues });

    expect(lines(page.text)[0]).toBe(
      'Still failing: this outage was first paged at 2024-05-01T13:00:00.000Z.',
    );
    expect(lines(page.text)).toContain(`Outage ${first.key}`);
    expect(page.dedupKey).toBe(first.key);
    expect(page.json).toMatchObject({ key: apiOom().key, outage: continues });
    expect(renderAlert(apiOom()).dedupKey).toBe(apiOom().key);
  });
});

describe('renderAlert: links in the task’s own partition', () => {
  it('links the console and the logs on amazonaws.cn for a task in aws-cn', () => {
    const china = fromFixture('fargate-stopped-essential-exit-aws-cn.json', ['api'], {
      taskDefinition: fixtureTaskDefinition('api-aws-cn'),
      region: 'cn-north-1',
    });

    const { text, json } = renderAlert(china);

    const links = lines(text).filter((l) => l.startsWith('https://'));
    expect(links).toEqual([
      `https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#logsV2:log-groups/log-group/$252Fecs$252Fapi/log-events/ecs$252Fapi$252F${CHINA_TASK}`,
      `https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/tasks/${CHINA_TASK}/configuration?region=cn-north-1`,
      'https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/api/health?region=cn-north-1',
    ]);
    expect(json).toMatchObject({
      partition: 'aws-cn',
      links: { logs: links[0], task: links[1], service: links[2] },
    });
  });

  it('gives no console link in a partition without a known console, and still the commands', () => {
    const isolated = incident({ partition: 'aws-iso', region: 'us-iso-east-1' });

    const { text, json } = renderAlert(isolated);

    expect(text).not.toContain('https://');
    expect(nextSteps(text)).toContain('With ecs-ops:');
    expect(json.links).toEqual({});
  });
});

describe('renderAlert: a late page, for a stop resync found (its ECS event never arrived)', () => {
  // The incident's task stopped at 13:28:19.836Z; resync noticed it 11 minutes 40 seconds later.
  const FOUND_AT = '2024-05-01T13:40:00.000Z';
  const late = incident({ foundByResyncAt: FOUND_AT });

  it('marks the subject late, before the words that say what happened', () => {
    expect(renderAlert(late).subject).toBe(
      '[ecs-ops] CRITICAL: [late] web OOM-killed (exit 137, limit 384 MiB) in prod',
    );
  });

  it('opens the body with when resync found it, why the page is late and by how much; the rest as on time', () => {
    const onTime = renderAlert(incident()).text;

    const { text } = renderAlert(late);

    expect(lines(text).slice(0, 4)).toEqual([
      'Found by resync at 2024-05-01T13:40:00.000Z:',
      'the ECS event for this stop never arrived, so this page is late',
      '(stopped 11m 40s before it was noticed).',
      '',
    ]);
    expect(lines(text).slice(4).join('\n')).toBe(onTime);
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

    const first = lines(text).slice(0, 3);
    expect(first[2]).toBe('(stopped 69d 10h 31m before it was noticed).');
    expect(first.filter((l) => l.length > 80)).toEqual([]);
  });

  it('keeps the late subject within SNS’s limit, marked, with the class words, for any names (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 400 });
    fc.assert(
      fc.property(text, text, (cluster, name) => {
        const { subject } = renderAlert(
          incident({ cluster, service: name, group: `service:${name}`, foundByResyncAt: FOUND_AT }),
        );
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
        expect(subject).toMatch(/^\[ecs-ops\] CRITICAL: \[late\] [\x20-\x7e]*$/);
        expect(subject).toContain('OOM-killed (exit 137, limit 384 MiB)');
      }),
    );
  });
});

describe('renderAlert: json and attributes', () => {
  it('gives machines the incident with a schema version: what, where, limits, logs, runbook, commands', () => {
    const config = alertsConfig({
      runbooks: { groups: { 'service:api': 'https://wiki.example.com/runbooks/api' } },
    });

    const message = renderAlert(apiOom(config));

    expect(message.json).toMatchObject({
      schemaVersion: 1,
      kind: 'incident',
      cluster: 'prod',
      group: 'service:api',
      service: 'api',
      family: 'api',
      revision: 17,
      taskId: OOM_TASK,
      container: 'api',
      exitCode: 137,
      exitClass: 'oom',
      severity: 'critical',
      image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.14.0',
      imageDigest: 'sha256:d569c304751b5c2339c417abb9f348c6b048632290ba31312538a6980b103d86',
      limits: { taskCpu: 512, taskMemory: 1024, cpu: 448, memory: 896, memoryReservation: 768 },
      logs: { kind: 'awslogs', group: '/ecs/api', region: 'us-east-1', stream: `ecs/api/${OOM_TASK}` },
      launchType: 'FARGATE',
      availabilityZone: 'us-east-1a',
      partition: 'aws',
      runTimeSeconds: 1355,
      runbook: { url: 'https://wiki.example.com/runbooks/api', matched: 'group service:api' },
      commands: [`ecs-ops task ${OOM_TASK}`, 'ecs-ops timeline service:api --cluster prod'],
      links: {
        task: expect.stringContaining(`/tasks/${OOM_TASK}/configuration`),
        service: expect.stringContaining('/services/api/health'),
        logs: expect.stringContaining('#logsV2:log-groups/log-group/$252Fecs$252Fapi/log-events/'),
      },
    });
    expect(JSON.parse(JSON.stringify(message.json))).toEqual(message.json);
  });

  it('tells machines the EC2 instance an EC2 task ran on', () => {
    expect(renderAlert(reportOnEc2()).json).toMatchObject({
      launchType: 'EC2',
      ec2InstanceId: 'i-0abc123def4567890',
      availabilityZone: 'us-east-1a',
      logs: { kind: 'awslogs', group: '/ecs/report' },
    });
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
      subject: '[ecs-ops] CRITICAL: worker: 7 more exits in 10 min in prod, last exit 137 OOM',
    },
    {
      says: 'one exit of a job',
      s: summary({
        service: undefined,
        group: 'family:report',
        count: 1,
        severity: 'high',
        lastExit: { ...summary().lastExit, exitClass: 'app-error', exitCode: 1 },
      }),
      subject: '[ecs-ops] HIGH: report: 1 more exit in 10 min in prod, last exit 1',
    },
    {
      says: 'image pulls without exit codes',
      s: summary({
        count: 3,
        severity: 'high',
        lastExit: {
          exitClass: 'image-pull',
          taskArn: summary().lastExit.taskArn,
          stoppedAt: '2024-05-01T13:01:00Z',
        },
      }),
      subject: '[ecs-ops] HIGH: worker: 3 more exits in 10 min in prod, last: image pull',
    },
  ])('$says → $subject', ({ s, subject }) => {
    expect(renderCrashLoopSummary(s, NO_RUNBOOKS).subject).toBe(subject);
  });

  it('says how many, when, the last exit, and what to do next: runbook, console links, the timeline', () => {
    const runbooks = alertsConfig({
      runbooks: { classes: { oom: 'https://wiki.example.com/runbooks/oom' } },
    }).runbooks;

    const { text, json, attributes } = renderCrashLoopSummary(summary(), runbooks);

    expect(text).toContain('worker in prod: 7 more exits in 10 min after the page.');
    expect(text).toContain('\nWindow: 2024-05-01T13:00:00.000Z to 2024-05-01T13:10:00.000Z\n');
    expect(text).toContain('\nExit code: 137\n');
    expect(text).toContain('\nReason: OutOfMemoryError: Container killed due to memory usage\n');
    expect(nextSteps(text)).toEqual([
      'Runbook: https://wiki.example.com/runbooks/oom',
      'Last task in the console:',
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/feedc0de00000000feedc0de00000000/configuration?region=eu-west-1',
      'Service in the console:',
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/worker/health?region=eu-west-1',
      'With ecs-ops:',
      'ecs-ops timeline service:worker --cluster prod',
    ]);
    expect(json).toMatchObject({
      schemaVersion: 1,
      kind: 'crash-loop-summary',
      count: 7,
      windowMinutes: 10,
      partition: 'aws',
      runbook: { url: 'https://wiki.example.com/runbooks/oom', matched: 'class oom' },
      commands: ['ecs-ops timeline service:worker --cluster prod'],
    });
    expect(attributes).toEqual({
      kind: 'crash-loop-summary',
      cluster: 'prod',
      group: 'service:worker',
      service: 'worker',
      severity: 'critical',
      class: 'oom',
    });
  });

  it('chooses the runbook as the page did: by group, by the family of a family: group, by class', () => {
    const runbooks = alertsConfig({
      runbooks: {
        groups: { 'service:worker': 'https://wiki.example.com/runbooks/worker' },
        families: { report: 'https://wiki.example.com/runbooks/report' },
        default: 'https://wiki.example.com/runbooks/ecs',
      },
    }).runbooks;
    const job = summary({ service: undefined, group: 'family:report' });

    expect(renderCrashLoopSummary(summary(), runbooks).json.runbook).toEqual({
      url: 'https://wiki.example.com/runbooks/worker',
      matched: 'group service:worker',
    });
    expect(renderCrashLoopSummary(job, runbooks).json.runbook).toEqual({
      url: 'https://wiki.example.com/runbooks/report',
      matched: 'family report',
    });
    expect(nextSteps(renderCrashLoopSummary(summary(), NO_RUNBOOKS).text)[0]).toBe(
      'Runbook: none configured (alerts.runbooks)',
    );
  });

  it('links the last task in its own partition (aws-cn)', () => {
    const china = summary({
      lastExit: {
        ...summary().lastExit,
        taskArn: `arn:aws-cn:ecs:cn-north-1:111122223333:task/prod/${CHINA_TASK}`,
      },
    });

    const { text } = renderCrashLoopSummary(china, NO_RUNBOOKS);

    expect(lines(text)).toContain(
      `https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/tasks/${CHINA_TASK}/configuration?region=cn-north-1`,
    );
    expect(text).not.toContain('amazon.com');
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
            NO_RUNBOOKS,
          );
          expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
          expect(subject).toContain(`${count} more exit`);
          expect(subject).toContain('last exit 137 OOM');
        },
      ),
    );
  });
});

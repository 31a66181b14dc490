import { describe, expect, it } from 'vitest';
import { detectIncident, instanceFacts, stopKind } from '../../../../lib/alerts/detect.js';
import type { Detection, Incident } from '../../../../lib/alerts/model.js';
import {
  alertsConfig,
  containersOf,
  editContainer,
  facts,
  fixtureInstanceFacts,
  fixtureTask,
  fixtureTaskDefinition,
} from '../../../support/alerts.js';
import { ACCOUNT, REGION } from '../../../support/fixtures.js';

const FARGATE_EXIT = 'fargate-stopped-essential-exit.json'; // service:api in prod: api 137 OOM, log-router 0
const EC2_EXIT = 'ec2-stopped.json'; // family:report in prod on an EC2 instance: report exit 1
const IMAGE_PULL = 'fargate-stopped-image-pull.json'; // family:etl in batch: CannotPullContainerError
const DEPLOYMENT = 'fargate-stopped.json'; // service:web in prod, stopped by a deployment: web 143, log-router 0
const CHINA_EXIT = 'fargate-stopped-essential-exit-aws-cn.json'; // FARGATE_EXIT in cn-north-1 (arn:aws-cn:)

function incidentOf(detection: Detection): Incident {
  if (detection.kind !== 'incident') throw new Error(`expected an incident, got: ${detection.reason}`);
  return detection.incident;
}

function reasonOf(detection: Detection): string {
  if (detection.kind !== 'not-incident')
    throw new Error(`expected no incident, got ${detection.incident.key}`);
  return detection.reason;
}

describe('detectIncident: essential container exits are incidents', () => {
  it('describes the Fargate OOM fixture completely, with its task definition', () => {
    // Prepare
    const task = fixtureTask(FARGATE_EXIT);
    const known = facts(['api'], { taskDefinition: fixtureTaskDefinition('api') });

    // Act
    const incident = incidentOf(detectIncident(task, known, alertsConfig()));

    // Assert
    const taskArn = 'arn:aws:ecs:us-east-1:111122223333:task/prod/cd7fd5c04e80fa470d33c7189c38150d';
    expect(incident).toEqual({
      key: `${taskArn}#2024-05-01T13:28:19.836Z`,
      cluster: 'prod',
      group: 'service:api',
      service: 'api',
      family: 'api',
      revision: 17,
      taskArn,
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/api:17',
      cause: {
        container: 'api',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
        exitClass: 'oom',
      },
      severity: 'critical',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      launchType: 'FARGATE',
      availabilityZone: 'us-east-1a',
      createdAt: '2024-05-01T13:05:10.214Z',
      startedAt: '2024-05-01T13:05:44.381Z',
      stoppedAt: '2024-05-01T13:28:19.836Z',
      region: REGION,
      account: ACCOUNT,
      partition: 'aws',
      image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.14.0',
      imageDigest: 'sha256:d569c304751b5c2339c417abb9f348c6b048632290ba31312538a6980b103d86',
      runtimeId: 'cd7fd5c04e80fa470d33c7189c38150d-2342355933',
      // The event reports CPU and the hard limit; only the definition has the soft limit.
      limits: { taskCpu: 512, taskMemory: 1024, cpu: 448, memory: 896, memoryReservation: 768 },
      logs: {
        kind: 'awslogs',
        group: '/ecs/api',
        region: 'us-east-1',
        stream: 'ecs/api/cd7fd5c04e80fa470d33c7189c38150d',
      },
    } satisfies Incident);
  });

  it('describes the EC2 fixture: a job (no service) that exited 1 on a container instance', () => {
    const incident = incidentOf(detectIncident(fixtureTask(EC2_EXIT), facts(['report']), alertsConfig()));

    expect(incident).toMatchObject({
      cluster: 'prod',
      group: 'family:report',
      family: 'report',
      revision: 7,
      cause: { container: 'report', exitCode: 1, exitClass: 'app-error' },
      severity: 'high',
      launchType: 'EC2',
      containerInstanceArn:
        'arn:aws:ecs:us-east-1:111122223333:container-instance/prod/1c462d635d829a53fd63170b903eab65',
    });
    expect(incident.service).toBeUndefined();
    expect(incident.cause.reason).toBeUndefined();
  });

  it('pages a task that failed to start (image pull): the cause is the essential container with the reason', () => {
    const incident = incidentOf(detectIncident(fixtureTask(IMAGE_PULL), facts(['etl']), alertsConfig()));

    expect(incident).toMatchObject({
      cluster: 'batch',
      group: 'family:etl',
      family: 'etl',
      revision: 8,
      stopCode: 'TaskFailedToStart',
      cause: { container: 'etl', exitClass: 'image-pull' },
      severity: 'high',
    });
    expect(incident.cause.exitCode).toBeUndefined();
    expect(incident.cause.reason).toMatch(/^CannotPullContainerError: /);
    expect(incident.startedAt).toBeUndefined();
  });

  it('pages a task that failed to start even when no container carries a reason', () => {
    const task = fixtureTask(IMAGE_PULL, (detail) => {
      editContainer(detail, 'etl', (container) => delete container.reason);
    });

    const incident = incidentOf(detectIncident(task, facts(['etl']), alertsConfig()));

    expect(incident.cause).toEqual({ container: 'etl', exitClass: 'image-pull' });
  });

  it('recognises older events without a stop code by the stopped reason', () => {
    const task = fixtureTask(EC2_EXIT, (detail) => {
      delete detail.stopCode;
    });

    const incident = incidentOf(detectIncident(task, facts(['report']), alertsConfig()));

    expect(incident.stopCode).toBeUndefined();
    expect(incident.cause.exitClass).toBe('app-error');
  });

  it('keys the incident by task and stop, falling back to the version without stoppedAt', () => {
    const config = alertsConfig();
    const withStop = incidentOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), config));
    const withoutStop = incidentOf(
      detectIncident(
        fixtureTask(FARGATE_EXIT, (detail) => delete detail.stoppedAt),
        facts(['api']),
        config,
      ),
    );

    expect(withStop.key).toBe(`${withStop.taskArn}#2024-05-01T13:28:19.836Z`);
    expect(withoutStop.key).toBe(`${withStop.taskArn}#v9`);
  });

  it('takes severity from the config when it overrides the default', () => {
    const config = alertsConfig({ severity: { oom: 'medium' } });

    const incident = incidentOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), config));

    expect(incident.severity).toBe('medium');
  });
});

describe('detectIncident: what the page tells beyond the exit', () => {
  const config = alertsConfig();

  it('says where an EC2 task ran: the EC2 instance of its container instance, and the zone', () => {
    const known = facts(['report'], {
      taskDefinition: fixtureTaskDefinition('report'),
      ...fixtureInstanceFacts('ec2-active.json'),
    });

    const incident = incidentOf(detectIncident(fixtureTask(EC2_EXIT), known, config));

    expect(incident).toMatchObject({
      launchType: 'EC2',
      ec2InstanceId: 'i-0abc123def4567890',
      availabilityZone: 'us-east-1a',
      runtimeId: 'a960d5c714888b088583f45b320f8f3e784df4d3c6997ec5ff396f92a8d00e89',
      logs: { kind: 'awslogs', group: '/ecs/report', region: 'us-east-1' },
    });
    expect(incident.logs).not.toHaveProperty('stream');
  });

  it('takes the zone from the container instance when the task event has none', () => {
    const task = fixtureTask(EC2_EXIT, (detail) => delete detail.availabilityZone);

    const incident = incidentOf(
      detectIncident(task, facts(['report'], { instanceZone: 'us-east-1c' }), config),
    );

    expect(incident.availabilityZone).toBe('us-east-1c');
  });

  it('reads the EC2 instance and zone of a stored container instance, and nothing of an unknown one', () => {
    expect(fixtureInstanceFacts('ec2-active.json')).toEqual({
      ec2InstanceId: 'i-0abc123def4567890',
      instanceZone: 'us-east-1a',
    });
    expect(instanceFacts(undefined)).toEqual({});
    expect(instanceFacts({ attributes: [null, { name: 'ecs.availability-zone' }] })).toEqual({});
  });

  it('falls back to the definition for the image and limits an event does not report', () => {
    const task = fixtureTask(FARGATE_EXIT, (detail) => {
      delete detail.cpu;
      delete detail.memory;
      editContainer(detail, 'api', (container) => {
        delete container.image;
        delete container.imageDigest;
        delete container.cpu;
        delete container.memory;
      });
    });

    const incident = incidentOf(
      detectIncident(task, facts(['api'], { taskDefinition: fixtureTaskDefinition('api') }), config),
    );

    expect(incident.image).toBe('111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.14.0');
    expect(incident.imageDigest).toBeUndefined();
    expect(incident.limits).toEqual({
      taskCpu: 512,
      taskMemory: 1024,
      cpu: 448,
      memory: 896,
      memoryReservation: 768,
    });
  });

  it('counts a limit of 0 as none set (a container sharing the task’s CPU)', () => {
    const task = fixtureTask(IMAGE_PULL, (detail) => {
      editContainer(detail, 'etl', (container) => {
        delete container.cpu;
        delete container.memory;
      });
    });

    const incident = incidentOf(
      detectIncident(task, facts(['etl'], { taskDefinition: fixtureTaskDefinition('etl') }), config),
    );

    expect(incident.limits).toEqual({ taskCpu: 256, taskMemory: 512 });
    expect(incident.logs).toEqual({ kind: 'not-kept' });
  });

  it('without the task definition, keeps what the event tells and knows nothing of the logs', () => {
    const incident = incidentOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), config));

    expect(incident.logs).toEqual({ kind: 'unknown', missing: 'task-definition' });
    expect(incident.limits).toEqual({ taskCpu: 512, taskMemory: 1024, cpu: 448, memory: 896 });
    expect(incident.image).toBe('111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.14.0');
  });

  it('takes the partition from the task ARN (aws-cn), and the logs’ region from the definition', () => {
    const known = facts(['api'], {
      taskDefinition: fixtureTaskDefinition('api-aws-cn'),
      region: 'cn-north-1',
    });

    const incident = incidentOf(detectIncident(fixtureTask(CHINA_EXIT), known, config));

    expect(incident).toMatchObject({
      partition: 'aws-cn',
      region: 'cn-north-1',
      availabilityZone: 'cn-north-1a',
      logs: { kind: 'awslogs', group: '/ecs/api', region: 'cn-north-1' },
    });
  });

  it('carries the runbook of the most specific rule, and none when none is configured', () => {
    const withRunbooks = alertsConfig({
      runbooks: {
        groups: { 'service:api': 'https://wiki.example.com/runbooks/api' },
        classes: { oom: 'https://wiki.example.com/runbooks/oom' },
      },
    });

    const paged = incidentOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), withRunbooks));
    const plain = incidentOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), config));

    expect(paged.runbook).toEqual({
      url: 'https://wiki.example.com/runbooks/api',
      matched: 'group service:api',
    });
    expect(plain).not.toHaveProperty('runbook');
  });
});

describe('detectIncident: the cause is an essential container, never a sidecar', () => {
  type Exit = { exitCode?: number; reason?: string };
  const cases: Array<{
    says: string;
    api: Exit;
    logRouter: Exit;
    essential: string[];
    cause: string;
    exitClass: string;
  }> = [
    {
      says: 'sidecar exits 1 while the essential container is OOM-killed',
      api: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      logRouter: { exitCode: 1 },
      essential: ['api'],
      cause: 'api',
      exitClass: 'oom',
    },
    {
      says: 'sidecar exits non-zero but the essential container exited 0',
      api: { exitCode: 0 },
      logRouter: { exitCode: 1 },
      essential: ['api'],
      cause: 'api',
      exitClass: 'clean-exit',
    },
    {
      says: 'sidecar OOM-killed, essential container exited 143',
      api: { exitCode: 143 },
      logRouter: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      essential: ['api'],
      cause: 'api',
      exitClass: 'signal',
    },
    {
      says: 'two essential containers: the first non-zero one is the cause',
      api: { exitCode: 0 },
      logRouter: { exitCode: 139 },
      essential: ['api', 'log-router'],
      cause: 'log-router',
      exitClass: 'segfault',
    },
    {
      says: 'two essential containers both exited 0: the first is the cause',
      api: { exitCode: 0 },
      logRouter: { exitCode: 0 },
      essential: ['api', 'log-router'],
      cause: 'api',
      exitClass: 'clean-exit',
    },
    {
      says: 'two essential containers both non-zero: the first in the event',
      api: { exitCode: 1 },
      logRouter: { exitCode: 2 },
      essential: ['log-router', 'api'],
      cause: 'api',
      exitClass: 'app-error',
    },
  ];

  it.each(cases)('$says → $cause ($exitClass)', ({ api, logRouter, essential, cause, exitClass }) => {
    // Prepare: the Fargate fixture, with these exits
    const task = fixtureTask(FARGATE_EXIT, (detail) => {
      for (const [name, exit] of [
        ['api', api],
        ['log-router', logRouter],
      ] as const) {
        editContainer(detail, name, (container) => {
          delete container.exitCode;
          delete container.reason;
          Object.assign(container, exit);
        });
      }
    });

    // Act
    const incident = incidentOf(detectIncident(task, facts(essential), alertsConfig()));

    // Assert
    expect(incident.cause.container).toBe(cause);
    expect(incident.cause.exitClass).toBe(exitClass);
  });

  it('is not an incident when no essential container of the task reported an exit or a reason', () => {
    const task = fixtureTask(FARGATE_EXIT, (detail) => {
      editContainer(detail, 'api', (container) => {
        delete container.exitCode;
        delete container.reason;
      });
    });

    const reason = reasonOf(detectIncident(task, facts(['api']), alertsConfig()));

    expect(reason).toMatch(/no essential container \(api\).*exit code or a reason/);
  });

  it('is not an incident when the essential containers are not in the task at all', () => {
    const reason = reasonOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['web']), alertsConfig()));

    expect(reason).toContain('no essential container (web)');
  });

  it('never blames a sidecar, whatever the exits (every container of the fixture)', () => {
    for (const essential of containersOf(fixtureTask(FARGATE_EXIT) as Record<string, unknown>)) {
      const detection = detectIncident(fixtureTask(FARGATE_EXIT), facts([essential.name]), alertsConfig());
      expect(incidentOf(detection).cause.container).toBe(essential.name);
    }
  });
});

describe('detectIncident: intended stops and stops that are not the application', () => {
  const deploymentReason = /service scheduler.*deployment or scale-in.*pageOn\.deployments is off/;
  const cases: Array<{
    says: string;
    file: string;
    edit?: (detail: Record<string, unknown>) => void;
    draining?: boolean;
    essential: string[];
    reason: RegExp;
  }> = [
    {
      says: 'a running task',
      file: 'fargate-running.json',
      essential: ['web'],
      reason: /the task is RUNNING, not STOPPED/,
    },
    {
      says: 'a task still stopping',
      file: 'fargate-stopping.json',
      essential: ['web'],
      reason: /not STOPPED/,
    },
    {
      says: 'a deployment (ServiceSchedulerInitiated)',
      file: DEPLOYMENT,
      essential: ['web'],
      reason: deploymentReason,
    },
    {
      says: 'a scale-in in an older event (stopped reason only)',
      file: DEPLOYMENT,
      edit: (detail) => delete detail.stopCode,
      essential: ['web'],
      reason: deploymentReason,
    },
    {
      says: 'StopTask (UserInitiated)',
      file: EC2_EXIT,
      edit: (detail) =>
        Object.assign(detail, { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }),
      essential: ['report'],
      reason: /stopped by a user.*UserInitiated.*pageOn\.userStops is off/,
    },
    {
      says: 'StopTask in an older event (stopped reason only)',
      file: EC2_EXIT,
      edit: (detail) => {
        delete detail.stopCode;
        detail.stoppedReason = 'Task stopped by user';
      },
      essential: ['report'],
      reason: /stopped by a user/,
    },
    {
      says: 'a stop on a DRAINING instance',
      file: EC2_EXIT,
      draining: true,
      essential: ['report'],
      reason: /DRAINING container instance.*pageOn\.drainingInstances is off/,
    },
    {
      says: 'a Spot interruption',
      file: FARGATE_EXIT,
      edit: (detail) =>
        Object.assign(detail, {
          stopCode: 'SpotInterruption',
          stoppedReason: 'Your Spot Task was interrupted.',
        }),
      essential: ['api'],
      reason: /host went away \(SpotInterruption.*not the application's fault/,
    },
    {
      says: 'a termination notice',
      file: EC2_EXIT,
      edit: (detail) => Object.assign(detail, { stopCode: 'TerminationNotice' }),
      essential: ['report'],
      reason: /host went away \(TerminationNotice/,
    },
    {
      says: 'the host EC2 instance terminated',
      file: EC2_EXIT,
      edit: (detail) => {
        delete detail.stopCode;
        detail.stoppedReason = 'Host EC2 (instance i-0123456789abcdef0) terminated.';
      },
      essential: ['report'],
      reason: /host went away/,
    },
    {
      says: 'failed ELB health checks (not an essential exit)',
      file: FARGATE_EXIT,
      edit: (detail) => {
        delete detail.stopCode;
        detail.stoppedReason =
          'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:…)';
      },
      essential: ['api'],
      reason: /not stopped by an essential container \("Task failed ELB health checks/,
    },
  ];

  it.each(cases)('$says is not an incident', ({ file, edit, draining, essential, reason }) => {
    const task = fixtureTask(file, edit);

    const detection = detectIncident(
      task,
      facts(essential, { instanceDraining: draining ?? false }),
      alertsConfig(),
    );

    expect(reasonOf(detection)).toMatch(reason);
  });

  it('does not page a standalone task whose essential container exited 0: the job finished', () => {
    const finished = fixtureTask(EC2_EXIT, (detail) =>
      editContainer(detail, 'report', (container) => Object.assign(container, { exitCode: 0 })),
    );

    expect(reasonOf(detectIncident(finished, facts(['report']), alertsConfig()))).toMatch(
      /standalone task finished.*report exited 0.*pageOn\.finishedTasks is off/,
    );
    const paged = detectIncident(
      finished,
      facts(['report']),
      alertsConfig({ pageOn: { finishedTasks: true } }),
    );
    expect(incidentOf(paged).cause.exitClass).toBe('clean-exit');
  });

  it('pages deployments when pageOn.deployments says so (web was SIGTERMed)', () => {
    const config = alertsConfig({ pageOn: { deployments: true } });

    const incident = incidentOf(detectIncident(fixtureTask(DEPLOYMENT), facts(['web']), config));

    expect(incident.cause).toEqual({ container: 'web', exitCode: 143, exitClass: 'signal' });
    expect(incident.stopCode).toBe('ServiceSchedulerInitiated');
  });

  it('pages user stops when pageOn.userStops says so', () => {
    const task = fixtureTask(EC2_EXIT, (detail) => Object.assign(detail, { stopCode: 'UserInitiated' }));

    const detection = detectIncident(task, facts(['report']), alertsConfig({ pageOn: { userStops: true } }));

    expect(incidentOf(detection).cause.exitClass).toBe('app-error');
  });

  it('pages stops on draining instances when pageOn.drainingInstances says so', () => {
    const config = alertsConfig({ pageOn: { drainingInstances: true } });

    const detection = detectIncident(
      fixtureTask(EC2_EXIT),
      facts(['report'], { instanceDraining: true }),
      config,
    );

    expect(incidentOf(detection).cause.container).toBe('report');
  });

  it('never pages a Spot interruption, even with every pageOn switch on', () => {
    const config = alertsConfig({ pageOn: { deployments: true, userStops: true, drainingInstances: true } });
    const task = fixtureTask(FARGATE_EXIT, (detail) =>
      Object.assign(detail, { stopCode: 'SpotInterruption' }),
    );

    expect(detectIncident(task, facts(['api'], { instanceDraining: true }), config).kind).toBe(
      'not-incident',
    );
  });
});

describe('detectIncident: a stop resync found (its ECS event never arrived)', () => {
  const FOUND_AT = '2024-05-01T13:40:00.000Z';

  it('is the same incident, with the same key, and carries when resync found it', () => {
    const config = alertsConfig();
    const fromEvent = incidentOf(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), config));

    const fromResync = incidentOf(
      detectIncident(fixtureTask(FARGATE_EXIT), facts(['api'], { foundByResyncAt: FOUND_AT }), config),
    );

    expect(fromResync).toEqual({ ...fromEvent, foundByResyncAt: FOUND_AT });
    expect(fromResync.key).toBe(fromEvent.key);
    expect(fromEvent).not.toHaveProperty('foundByResyncAt');
  });

  it('decides a stop found by resync as it would from the event: not an incident stays one', () => {
    const task = fixtureTask(DEPLOYMENT);

    const detection = detectIncident(task, facts(['web'], { foundByResyncAt: FOUND_AT }), alertsConfig());

    expect(detection).toEqual(detectIncident(task, facts(['web']), alertsConfig()));
    expect(detection.kind).toBe('not-incident');
  });
});

describe('detectIncident: cluster and group filters', () => {
  it.each([
    {
      says: 'a cluster not listed',
      config: { clusters: ['batch'] },
      reason: 'cluster prod is not in alerts.clusters (batch)',
    },
    {
      says: 'a group not listed',
      config: { groups: ['service:web', 'family:report'] },
      reason: 'group service:api is not in alerts.groups (service:web, family:report)',
    },
  ])('$says is not an incident', ({ config, reason }) => {
    const detection = detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), alertsConfig(config));

    expect(reasonOf(detection)).toBe(reason);
  });

  it.each([
    { clusters: ['prod'] },
    { groups: ['service:api'] },
    { clusters: ['batch', 'prod'], groups: ['service:api'] },
  ])('pages when listed: %j', (config) => {
    expect(detectIncident(fixtureTask(FARGATE_EXIT), facts(['api']), alertsConfig(config)).kind).toBe(
      'incident',
    );
  });
});

describe('stopKind and task definition ARNs', () => {
  it.each([
    [{ stopCode: 'EssentialContainerExited' }, 'essential-exit'],
    [{ stoppedReason: 'Essential container in task exited' }, 'essential-exit'],
    [{ stopCode: 'TaskFailedToStart' }, 'failed-to-start'],
    [{ stopCode: 'ServiceSchedulerInitiated' }, 'deployment'],
    [{ stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)' }, 'deployment'],
    [{ stopCode: 'UserInitiated' }, 'user'],
    [{ stoppedReason: 'Container instance deregistration forced by user' }, 'user'],
    [{ stopCode: 'SpotInterruption' }, 'host-gone'],
    [{ stopCode: 'TerminationNotice' }, 'host-gone'],
    [{ stoppedReason: 'Host EC2 (instance i-0abc) stopped/terminated' }, 'host-gone'],
    [{}, 'other'],
  ] as const)('%j → %s', (task, kind) => {
    expect(stopKind(task)).toBe(kind);
  });
});

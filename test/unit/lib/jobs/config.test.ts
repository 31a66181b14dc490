import { describe, expect, it } from 'vitest';
import { scheduleProblem } from '../../../../lib/jobs/config.js';
import { ConfigError, parseOpsConfig } from '../../../../lib/ops-config.js';

const fargate = {
  schedule: 'cron(30 2 * * ? *)',
  cluster: 'batch',
  taskDefinition: 'nightly-report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0abc1234'] },
};

/** The problems parseOpsConfig reports for one job, without the file header. */
function problems(job: Record<string, unknown>, name = 'nightly'): string[] {
  try {
    parseOpsConfig({ jobs: { [name]: job } });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the jobs section of ops.config.yml', () => {
  it('is empty by default', () => {
    expect(parseOpsConfig({}).jobs).toEqual({});
  });

  it('fills every default of a minimal Fargate job', () => {
    expect(parseOpsConfig({ jobs: { nightly: fargate } }).jobs.nightly).toEqual({
      ...fargate,
      network: { subnets: ['subnet-0abc1234'], assignPublicIp: false },
      timeZone: 'UTC',
      enabled: true,
      count: 1,
      concurrency: 'Forbid',
      startingDeadlineSeconds: 300,
      retries: { attempts: 3, backoffSeconds: 30 },
    });
  });

  it('accepts a full EC2 job with a capacity provider strategy', () => {
    const job = {
      schedule: 'rate(15 minutes)',
      timeZone: 'Europe/Paris',
      enabled: false,
      cluster: 'batch',
      taskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/etl:42',
      capacityProviderStrategy: [
        { capacityProvider: 'batch-spot', weight: 3, base: 1 },
        { capacityProvider: 'batch-ondemand', weight: 1 },
      ],
      network: { subnets: ['subnet-0abc1234'], securityGroups: ['sg-0def5678'], assignPublicIp: false },
      overrides: {
        containers: [
          { name: 'etl', command: ['run', '--full'], environment: { MODE: 'full' }, memory: 2048 },
        ],
        taskRoleArn: 'arn:aws:iam::111122223333:role/etl',
        cpu: 1024,
        memory: 4096,
      },
      count: 3,
      tags: { team: 'data' },
      propagateTags: 'TASK_DEFINITION',
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m5.*' }],
      placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
      concurrency: 'Replace',
      startingDeadlineSeconds: 600,
      retries: { attempts: 0, backoffSeconds: 10 },
      timeoutMinutes: 90,
    };
    expect(parseOpsConfig({ jobs: { 'etl_hourly-2': job } }).jobs['etl_hourly-2']).toEqual(job);
  });

  it.each([
    ['family', 'report'],
    ['family:revision', 'report:7'],
    ['ARN', 'arn:aws:ecs:us-east-1:111122223333:task-definition/report:7'],
    ['ARN without revision', 'arn:aws-cn:ecs:cn-north-1:111122223333:task-definition/report'],
  ])('accepts a task definition given as %s', (_, taskDefinition) => {
    expect(problems({ ...fargate, taskDefinition })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string, string?]>([
    // schedule (through lib/jobs/schedules)
    [
      'both day fields',
      { schedule: 'cron(0 2 1 * MON *)' },
      'jobs.nightly.schedule: day-of-month and day-of-week cannot both be set; use ? in one, e.g. cron(0 10 * * ? *)',
    ],
    [
      'a five-field cron',
      { schedule: 'cron(0 2 * * ?)' },
      'jobs.nightly.schedule: expected 6 fields (minutes hours day-of-month month day-of-week year), got 5; e.g. cron(0 10 * * ? *)',
    ],
    [
      'a singular rate above 1',
      { schedule: 'rate(2 hour)' },
      'jobs.nightly.schedule: EventBridge requires the plural for a value above 1: rate(2 hours)',
    ],
    [
      'neither cron nor rate',
      { schedule: '0 2 * * *' },
      'jobs.nightly.schedule: expected rate(<value> <unit>) or cron(<fields>)',
    ],
    ['no schedule', { schedule: undefined }, 'jobs.nightly.schedule: expected cron(...) or rate(...)'],
    // time zone
    [
      'an unknown time zone',
      { timeZone: 'Europe/Atlantis' },
      'jobs.nightly.timeZone: expected an IANA time zone such as Europe/Paris or America/New_York',
    ],
    // where and what
    [
      'a cluster ARN',
      { cluster: 'arn:aws:ecs:us-east-1:111122223333:cluster/batch' },
      'jobs.nightly.cluster: expected a cluster name (letters, digits, - and _), not an ARN',
    ],
    [
      'a task definition revision 0',
      { taskDefinition: 'report:0' },
      'jobs.nightly.taskDefinition: expected a task definition: family, family:revision or its ARN',
    ],
    // launch type XOR capacity provider strategy
    [
      'neither launch type nor strategy',
      { launchType: undefined },
      'jobs.nightly.launchType: set exactly one of launchType (FARGATE, EC2, EXTERNAL) or capacityProviderStrategy',
    ],
    [
      'both launch type and strategy',
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] },
      'jobs.nightly.launchType: set launchType or capacityProviderStrategy, not both (RunTask takes exactly one)',
    ],
    [
      'an unknown launch type',
      { launchType: 'LAMBDA' },
      'jobs.nightly.launchType: expected one of FARGATE, EC2, EXTERNAL',
    ],
    [
      'an empty strategy',
      { launchType: undefined, capacityProviderStrategy: [] },
      'jobs.nightly.capacityProviderStrategy: list at least one capacity provider',
    ],
    [
      'two bases',
      {
        launchType: undefined,
        capacityProviderStrategy: [
          { capacityProvider: 'a', base: 1, weight: 1 },
          { capacityProvider: 'b', base: 2, weight: 1 },
        ],
      },
      'jobs.nightly.capacityProviderStrategy: only one capacity provider may have a base',
    ],
    [
      'all weights zero',
      { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'a', weight: 0 }] },
      'jobs.nightly.capacityProviderStrategy: at least one capacity provider needs a weight above 0',
    ],
    [
      'a weight above 1000',
      { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'a', weight: 1001 }] },
      'jobs.nightly.capacityProviderStrategy.0.weight: expected at most 1000 parts',
    ],
    // network
    [
      'Fargate without network',
      { network: undefined },
      'jobs.nightly.network: Fargate tasks need network.subnets (and usually network.securityGroups)',
    ],
    [
      'a FARGATE_SPOT strategy without network',
      {
        launchType: undefined,
        network: undefined,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
      },
      'jobs.nightly.network: Fargate tasks need network.subnets (and usually network.securityGroups)',
    ],
    ['no subnets', { network: { subnets: [] } }, 'jobs.nightly.network.subnets: list at least one subnet'],
    [
      'a subnet name',
      { network: { subnets: ['private-a'] } },
      'jobs.nightly.network.subnets.0: expected a subnet ID such as subnet-0abc1234',
    ],
    [
      'a security group name',
      { network: { subnets: ['subnet-0abc1234'], securityGroups: ['default'] } },
      'jobs.nightly.network.securityGroups.0: expected a security group ID such as sg-0abc1234',
    ],
    [
      'a string for assignPublicIp',
      { network: { subnets: ['subnet-0abc1234'], assignPublicIp: 'ENABLED' } },
      'jobs.nightly.network.assignPublicIp: expected true or false',
    ],
    [
      'EXTERNAL with network',
      { launchType: 'EXTERNAL' },
      'jobs.nightly.network: EXTERNAL (ECS Anywhere) tasks cannot use awsvpc networking; remove network',
    ],
    [
      'platformVersion on EC2',
      { launchType: 'EC2', platformVersion: '1.4.0' },
      'jobs.nightly.platformVersion: platformVersion applies to Fargate only; remove it',
    ],
    [
      'a bad platformVersion',
      { platformVersion: 'v1.4' },
      'jobs.nightly.platformVersion: expected LATEST or 1.4.0',
    ],
    // overrides
    [
      'a container override without a name',
      { overrides: { containers: [{ command: ['x'] }] } },
      'jobs.nightly.overrides.containers.0.name: expected the container name from the task definition',
    ],
    [
      'a number in the environment',
      { overrides: { containers: [{ name: 'app', environment: { RETRIES: 3 } }] } },
      'jobs.nightly.overrides.containers.0.environment.RETRIES: expected a string; quote numbers and booleans',
    ],
    [
      'a bad environment name',
      { overrides: { containers: [{ name: 'app', environment: { 'MY-VAR': 'x' } }] } },
      'jobs.nightly.overrides.containers.0.environment.MY-VAR: expected an environment variable name',
    ],
    [
      'the same container twice',
      { overrides: { containers: [{ name: 'app' }, { name: 'app' }] } },
      'jobs.nightly.overrides.containers: each container may be overridden once',
    ],
    [
      'a role name for taskRoleArn',
      { overrides: { taskRoleArn: 'etl-role' } },
      'jobs.nightly.overrides.taskRoleArn: expected an IAM role ARN (arn:aws:iam::…:role/…)',
    ],
    [
      'an unknown override',
      { overrides: { executionRole: 'x' } },
      'jobs.nightly.overrides.executionRole: unknown setting; check its spelling',
    ],
    // count, tags, placement
    ['count 0', { count: 0 }, 'jobs.nightly.count: expected at least 1 tasks'],
    ['count 11', { count: 11 }, 'jobs.nightly.count: expected at most 10 tasks'],
    [
      'an aws: tag',
      { tags: { 'aws:owner': 'me' } },
      'jobs.nightly.tags.aws:owner: tag keys starting with aws: are reserved for AWS',
    ],
    [
      'an aws: tag value',
      { tags: { owner: 'AWS:me' } },
      'jobs.nightly.tags.owner: tag values starting with aws: are reserved for AWS',
    ],
    [
      'too many tags',
      { tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v'])) },
      'jobs.nightly.tags: at most 48 tags (ECS allows 50; ecs-ops adds ecs-ops:job and ecs-ops:slot)',
    ],
    [
      'propagateTags SERVICE',
      { propagateTags: 'SERVICE' },
      'jobs.nightly.propagateTags: RunTask refuses SERVICE (a job has no service); use TASK_DEFINITION or NONE',
    ],
    [
      'placement on Fargate',
      { placementStrategy: [{ type: 'random' }] },
      'jobs.nightly.placementStrategy: Fargate places tasks itself; remove placementConstraints and placementStrategy',
    ],
    [
      'memberOf without an expression',
      { launchType: 'EC2', placementConstraints: [{ type: 'memberOf' }] },
      'jobs.nightly.placementConstraints.0.expression: memberOf needs an expression, e.g. attribute:ecs.instance-type =~ t3.*',
    ],
    [
      'binpack without a field',
      { launchType: 'EC2', placementStrategy: [{ type: 'binpack' }] },
      'jobs.nightly.placementStrategy.0.field: spread and binpack need a field (spread: instanceId or attribute:…; binpack: cpu or memory)',
    ],
    // run policy
    [
      'an unknown concurrency',
      { concurrency: 'forbid' },
      'jobs.nightly.concurrency: expected one of Allow, Forbid, Replace',
    ],
    [
      'a deadline past the client token TTL',
      { startingDeadlineSeconds: 90_000 },
      'jobs.nightly.startingDeadlineSeconds: expected at most 86400 seconds',
    ],
    [
      '11 retries',
      { retries: { attempts: 11 } },
      'jobs.nightly.retries.attempts: expected at most 10 attempts',
    ],
    [
      'fractional backoff',
      { retries: { backoffSeconds: 1.5 } },
      'jobs.nightly.retries.backoffSeconds: expected a whole number of seconds',
    ],
    ['a zero timeout', { timeoutMinutes: 0 }, 'jobs.nightly.timeoutMinutes: expected at least 1 minutes'],
    ['a misspelt setting', { timezone: 'UTC' }, 'jobs.nightly.timezone: unknown setting; check its spelling'],
    [
      'a bad job name',
      {},
      'jobs.nightly report: a job name is 1 to 64 letters, digits, - and _ (it names the job’s schedule)',
      'nightly report',
    ],
  ])('refuses %s', (_, change, problem, name) => {
    expect(problems({ ...fargate, ...change }, name)).toEqual([problem]);
  });

  it('refuses a job name longer than 64 characters', () => {
    expect(problems(fargate, 'j'.repeat(65))).toEqual([
      `jobs.${'j'.repeat(65)}: a job name is 1 to 64 letters, digits, - and _ (it names the job’s schedule)`,
    ]);
  });
});

describe('the schedule hook', () => {
  it.each([
    'cron(0 2 * * ? *)',
    'cron(0/15 * ? * MON-FRI *)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 day)',
  ])('accepts %s', (expression) => {
    expect(scheduleProblem(expression)).toBeUndefined();
  });
});

/**
 * The `jobs` section of ops.config.yml: tasks launched on a schedule (EventBridge Scheduler, one schedule per
 * job, time zone aware) through ecs:RunTask. Each job says when (a `cron(...)` or `rate(...)` expression and a
 * time zone), what (cluster, task definition, launch type or capacity provider strategy, network, overrides)
 * and how runs relate to each other (concurrency policy, starting deadline, retries, timeout).
 *
 * Rules ECS itself enforces at RunTask time are checked here instead, so a deploy fails with the setting's
 * name rather than a job failing at 2 a.m.
 */
import * as z from 'zod/mini';
import { ClusterName, Flag, keyProblem, WholeNumber } from '../platform/config/fields.js';
import { isTimeZone } from '../platform/wall-clock.js';
import { tryParseSchedule } from './schedules/index.js';

export const JOB_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const JobName = z
  .string()
  .check(z.regex(JOB_NAME, 'a job name is 1 to 64 letters, digits, - and _ (it names the job’s schedule)'));

/**
 * The one hook through which a job's schedule expression is validated (lib/jobs/schedules, EventBridge semantics):
 * what is wrong with the expression, or undefined when EventBridge would accept it. The parser's messages start
 * with the expression; the config error already names the field, so that prefix is dropped.
 */
export function scheduleProblem(expression: string): string | undefined {
  const parsed = tryParseSchedule(expression);
  if (!('error' in parsed)) return undefined;
  for (const prefix of [`${expression}: `, `${JSON.stringify(expression)}: `]) {
    if (parsed.error.startsWith(prefix)) return parsed.error.slice(prefix.length);
  }
  return parsed.error;
}

const Schedule = z.string('expected cron(...) or rate(...)').check(
  z.superRefine((expression, context) => {
    const problem = scheduleProblem(expression);
    if (problem) context.issues.push({ code: 'custom', message: problem, input: expression });
  }),
);

const TimeZone = z
  .string('expected an IANA time zone such as Europe/Paris')
  .check(z.refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris or America/New_York'));

const TaskDefinition = z
  .string('expected a task definition: family, family:revision or its ARN')
  .check(
    z.regex(
      /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}(:[1-9]\d*)?$/,
      'expected a task definition: family, family:revision or its ARN',
    ),
  );

export const LAUNCH_TYPES = ['FARGATE', 'EC2', 'EXTERNAL'] as const;
const LaunchType = z.enum(LAUNCH_TYPES, `expected one of ${LAUNCH_TYPES.join(', ')}`);

const CapacityProviderItem = z.strictObject({
  capacityProvider: z
    .string('expected a capacity provider name')
    .check(z.regex(/^[A-Za-z0-9_-]{1,255}$/, 'expected a capacity provider name')),
  /** Relative share of the tasks (0–1000). */
  weight: z.optional(WholeNumber(0, 1000, 'parts')),
  /** Tasks placed on this provider first (0–100000); only one provider may have a base. */
  base: z.optional(WholeNumber(0, 100_000, 'tasks')),
});

const Network = z.strictObject({
  subnets: z
    .array(z.string().check(z.regex(/^subnet-[0-9a-f]+$/, 'expected a subnet ID such as subnet-0abc1234')))
    .check(z.minLength(1, 'list at least one subnet'), z.maxLength(16, 'list at most 16 subnets')),
  securityGroups: z.optional(
    z
      .array(z.string().check(z.regex(/^sg-[0-9a-f]+$/, 'expected a security group ID such as sg-0abc1234')))
      .check(z.maxLength(5, 'list at most 5 security groups')),
  ),
  /** A Fargate task in a public subnet without a NAT gateway needs a public IP to pull its image. */
  assignPublicIp: z._default(Flag, false),
});

const EnvironmentName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'));
const Environment = z.record(
  EnvironmentName,
  z.string('expected a string; quote numbers and booleans'),
  keyProblem,
);

const ContainerOverride = z.strictObject({
  name: z.string('expected the container name from the task definition').check(z.minLength(1)),
  command: z.optional(z.array(z.string('expected a string')).check(z.minLength(1, 'list the command'))),
  environment: z.optional(Environment),
  cpu: z.optional(WholeNumber(0, 196_608, 'CPU units')),
  memory: z.optional(WholeNumber(4, 1_048_576, 'MiB')),
});

const Overrides = z.strictObject({
  containers: z.optional(
    z
      .array(ContainerOverride)
      .check(
        z.refine(
          (containers) => new Set(containers.map((c) => c.name)).size === containers.length,
          'each container may be overridden once',
        ),
      ),
  ),
  taskRoleArn: z.optional(
    z
      .string()
      .check(
        z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN (arn:aws:iam::…:role/…)'),
      ),
  ),
  /** Task-level CPU units (Fargate sizes such as 256, 512, 1024, …). */
  cpu: z.optional(WholeNumber(128, 196_608, 'CPU units')),
  /** Task-level memory in MiB. */
  memory: z.optional(WholeNumber(128, 1_048_576, 'MiB')),
});

export const MAX_USER_TAGS = 48;

const Tags = z
  .record(
    z.string().check(
      z.minLength(1, 'a tag key may not be empty'),
      z.maxLength(128, 'a tag key has at most 128 characters'),
      z.refine((key) => !/^aws:/i.test(key), 'tag keys starting with aws: are reserved for AWS'),
    ),
    z.string('expected a string; quote numbers and booleans').check(
      z.maxLength(256, 'a tag value has at most 256 characters'),
      z.refine((value) => !/^aws:/i.test(value), 'tag values starting with aws: are reserved for AWS'),
    ),
    keyProblem,
  )
  .check(
    z.refine(
      (tags) => Object.keys(tags).length <= MAX_USER_TAGS,
      `at most ${MAX_USER_TAGS} tags (ECS allows 50; ecs-ops adds ecs-ops:job and ecs-ops:slot)`,
    ),
  );

export const PROPAGATE_TAGS = ['TASK_DEFINITION', 'SERVICE', 'NONE'] as const;

const PlacementConstraint = z
  .strictObject({
    type: z.enum(['distinctInstance', 'memberOf'], 'expected distinctInstance or memberOf'),
    /** A cluster query language expression; required for memberOf. */
    expression: z.optional(z.string().check(z.maxLength(2000))),
  })
  .check(
    z.refine((c) => c.type !== 'memberOf' || c.expression !== undefined, {
      message: 'memberOf needs an expression, e.g. attribute:ecs.instance-type =~ t3.*',
      path: ['expression'],
    }),
  );

const PlacementStrategy = z
  .strictObject({
    type: z.enum(['random', 'spread', 'binpack'], 'expected random, spread or binpack'),
    /** spread: instanceId, host or attribute:…; binpack: cpu or memory. */
    field: z.optional(z.string()),
  })
  .check(
    z.refine((s) => s.type === 'random' || s.field !== undefined, {
      message: 'spread and binpack need a field (spread: instanceId or attribute:…; binpack: cpu or memory)',
      path: ['field'],
    }),
  );

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

const Retries = z.strictObject({
  /** Launches after the first that failed to place (RESOURCE:MEMORY, capacity unavailable, …). */
  attempts: z._default(WholeNumber(0, 10, 'attempts'), 3),
  /** First wait; each further retry waits twice as long, never past the starting deadline. */
  backoffSeconds: z._default(WholeNumber(1, 3600, 'seconds'), 30),
});

export const FARGATE_PROVIDERS: ReadonlySet<string> = new Set(['FARGATE', 'FARGATE_SPOT']);

const Job = z
  .strictObject({
    schedule: Schedule,
    timeZone: z._default(TimeZone, 'UTC'),
    enabled: z._default(Flag, true),
    cluster: ClusterName,
    taskDefinition: TaskDefinition,
    launchType: z.optional(LaunchType),
    capacityProviderStrategy: z.optional(
      z
        .array(CapacityProviderItem)
        .check(
          z.minLength(1, 'list at least one capacity provider'),
          z.maxLength(20, 'list at most 20 capacity providers'),
        ),
    ),
    /** Fargate platform version, e.g. 1.4.0 or LATEST. */
    platformVersion: z.optional(
      z.string().check(z.regex(/^(LATEST|\d+\.\d+\.\d+)$/, 'expected LATEST or 1.4.0')),
    ),
    network: z.optional(Network),
    overrides: z.optional(Overrides),
    /** Tasks per run (RunTask launches at most 10 at once). */
    count: z._default(WholeNumber(1, 10, 'tasks'), 1),
    tags: z.optional(Tags),
    propagateTags: z.optional(z.enum(PROPAGATE_TAGS, `expected one of ${PROPAGATE_TAGS.join(', ')}`)),
    placementConstraints: z.optional(
      z.array(PlacementConstraint).check(z.maxLength(10, 'at most 10 placement constraints')),
    ),
    placementStrategy: z.optional(
      z.array(PlacementStrategy).check(z.maxLength(5, 'at most 5 placement strategies')),
    ),
    /** What to do when the previous run is still going (Kubernetes CronJob semantics). */
    concurrency: z._default(
      z.enum(CONCURRENCY_POLICIES, `expected one of ${CONCURRENCY_POLICIES.join(', ')}`),
      'Forbid',
    ),
    /**
     * Seconds after the scheduled time within which a run may still start (late delivery, retries). At most a
     * day: RunTask remembers a client token for 24 hours, which is what keeps a slot to one launch.
     */
    startingDeadlineSeconds: z._default(WholeNumber(10, 86_400, 'seconds'), 300),
    retries: z._default(Retries, { attempts: 3, backoffSeconds: 30 }),
    /** Minutes a run may take; then its tasks are stopped and someone is told. */
    timeoutMinutes: z.optional(WholeNumber(1, 10_080, 'minutes')),
  })
  .check(
    z.superRefine((job, context) => {
      const problem = (path: string, message: string) =>
        context.issues.push({ code: 'custom', message, path: [path], input: job });
      const hasLaunchType = job.launchType !== undefined;
      const hasStrategy = job.capacityProviderStrategy !== undefined;
      if (hasLaunchType === hasStrategy) {
        problem(
          'launchType',
          hasLaunchType
            ? 'set launchType or capacityProviderStrategy, not both (RunTask takes exactly one)'
            : 'set exactly one of launchType (FARGATE, EC2, EXTERNAL) or capacityProviderStrategy',
        );
        return;
      }
      const strategy = job.capacityProviderStrategy ?? [];
      if (strategy.filter((item) => item.base !== undefined && item.base > 0).length > 1) {
        problem('capacityProviderStrategy', 'only one capacity provider may have a base');
      }
      if (strategy.length > 0 && strategy.every((item) => item.weight === 0)) {
        problem('capacityProviderStrategy', 'at least one capacity provider needs a weight above 0');
      }
      const fargate =
        job.launchType === 'FARGATE' || strategy.some((item) => FARGATE_PROVIDERS.has(item.capacityProvider));
      if (fargate && job.network === undefined) {
        problem('network', 'Fargate tasks need network.subnets (and usually network.securityGroups)');
      }
      if (job.launchType === 'EXTERNAL' && job.network !== undefined) {
        problem('network', 'EXTERNAL (ECS Anywhere) tasks cannot use awsvpc networking; remove network');
      }
      if (job.platformVersion !== undefined && !fargate) {
        problem('platformVersion', 'platformVersion applies to Fargate only; remove it');
      }
      if (fargate && (job.placementConstraints !== undefined || job.placementStrategy !== undefined)) {
        problem(
          job.placementConstraints !== undefined ? 'placementConstraints' : 'placementStrategy',
          'Fargate places tasks itself; remove placementConstraints and placementStrategy',
        );
      }
      if (job.propagateTags === 'SERVICE') {
        problem(
          'propagateTags',
          'RunTask refuses SERVICE (a job has no service); use TASK_DEFINITION or NONE',
        );
      }
    }),
  );
export type JobConfig = z.infer<typeof Job>;
export { Job as JobConfigSchema };

export const JobsConfig = z.record(JobName, Job, keyProblem);
export type JobsConfig = z.infer<typeof JobsConfig>;

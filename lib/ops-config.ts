/**
 * `ops.config.yml`: the one file that configures an ecs-ops deployment, validated by one schema that the
 * deploy (deploy/stack.ts) and the CLI both use. Errors name the setting and say what to write instead.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import { AlertsConfig } from './alerts/config.js';
import { DEFAULT_DRAIN_CONFIG, DrainConfig } from './drain/config.js';
import { FARGATE_PROVIDERS, type JobConfig, JobsConfig } from './jobs/config.js';
import { ClusterName, WholeNumber } from './platform/config/fields.js';
import { DEFAULT_SELF_MONITORING_CONFIG, SelfMonitoringConfig } from './platform/config/self-monitoring.js';
import { DEFAULT_RESYNC_CONFIG, ResyncConfig } from './resync/config.js';
import { ScalingConfig } from './scaling/config.js';

const Retention = z.strictObject({
  /** Days to keep the state of a STOPPED task or a deregistered container instance; 0 keeps it forever. */
  stoppedDays: z._default(WholeNumber(0, 3650, 'days'), 30),
  /** Days to keep each version of a timeline, from the event's time; 0 keeps it forever. */
  historyDays: z._default(WholeNumber(0, 3650, 'days'), 90),
});

const Reconcile = z
  .strictObject({
    /**
     * Records per invocation (SQS event source BatchSize). A live stream rarely fills a batch before the window
     * closes it; a backlog fills every batch, and the more of a resource's events one batch holds, the fewer
     * conditional writes it costs (measured by `npm run bench`). Lambda also cuts a batch at 6 MB of payload.
     */
    batchSize: z._default(WholeNumber(1, 10_000, 'records'), 500),
    /** Seconds to gather a batch (MaximumBatchingWindowInSeconds): larger batches coalesce more duplicates. */
    batchingWindowSeconds: z._default(WholeNumber(0, 300, 'seconds'), 5),
    /** Concurrent invocations the queue may drive (ScalingConfig.MaximumConcurrency, 2–1000). */
    maxConcurrency: z._default(WholeNumber(2, 1000, 'invocations'), 5),
    /** Conditional writes in flight per invocation. */
    writeConcurrency: z._default(WholeNumber(1, 64, 'writes'), 16),
  })
  .check(
    z.refine((r) => r.batchSize <= 10 || r.batchingWindowSeconds >= 1, {
      message: 'a batchSize above 10 needs batchingWindowSeconds of at least 1 (an SQS event source rule)',
      path: ['batchingWindowSeconds'],
    }),
  );

export const OpsConfig = z
  .strictObject({
    /** Clusters whose events are reconciled, by name; leave out to watch every cluster of the account. */
    clusters: z.optional(
      z.array(ClusterName).check(z.minLength(1, 'list at least one cluster, or leave clusters out')),
    ),
    retention: z._default(Retention, { stoppedDays: 30, historyDays: 90 }),
    reconcile: z._default(Reconcile, () => z.parse(Reconcile, {})),
    resync: z._default(ResyncConfig, () => DEFAULT_RESYNC_CONFIG),
    alerts: z._default(AlertsConfig, () => z.parse(AlertsConfig, {})),
    jobs: z._default(JobsConfig, {}),
    drain: z._default(DrainConfig, () => DEFAULT_DRAIN_CONFIG),
    scaling: z._default(ScalingConfig, {}),
    /** The stack's alarms about ecs-ops itself and its dashboard (deploy/monitoring.ts). */
    selfMonitoring: z._default(SelfMonitoringConfig, () => DEFAULT_SELF_MONITORING_CONFIG),
  })
  .check(
    z.superRefine((config, context) => {
      for (const [name, job] of Object.entries(config.jobs)) {
        const problem = drainDisagreement(job, config.drain);
        if (problem) {
          context.issues.push({
            code: 'custom',
            path: ['jobs', name, 'timeoutMinutes'],
            input: job,
            message: problem,
          });
        }
      }
    }),
  );
export type OpsConfig = z.infer<typeof OpsConfig>;

/** A job placed on container instances (EC2 launch type, or a capacity provider of an Auto Scaling group). */
export const runsOnInstances = (job: JobConfig) =>
  job.launchType === 'EC2' ||
  (job.capacityProviderStrategy ?? []).some((item) => !FARGATE_PROVIDERS.has(item.capacityProvider));

/**
 * A job run on a container instance blocks its drain (DRAINING does not stop standalone tasks). When drains
 * wait for such tasks, the run must end — by its timeout — before the drain's deadline releases the instance
 * under it; otherwise the two settings disagree about which one stops the run. Only lifecycle drains (of the
 * listed Auto Scaling groups) wait that long; Spot gives two minutes whatever is configured.
 */
export function drainDisagreement(job: JobConfig, drain: DrainConfig): string | undefined {
  // Only lifecycle drains hold an instance for a deadline: with no group listed, nothing can disagree.
  if (drain.autoScalingGroups.length === 0 || !runsOnInstances(job) || drain.standaloneTasks === 'stop') {
    return undefined;
  }
  if (job.timeoutMinutes !== undefined && job.timeoutMinutes <= drain.deadlineMinutes) return undefined;
  return (
    `the job runs on container instances, where a run holds up a drain until it ends (drain.standaloneTasks: wait); ` +
    `set timeoutMinutes to ${drain.deadlineMinutes} or less (drain.deadlineMinutes) so the run ends before the ` +
    `drain gives up on it, or set drain.standaloneTasks: stop`
  );
}

export const DEFAULT_CONFIG_FILE = 'ops.config.yml';

/** A configuration that cannot be used; `problems` has one line per setting, each naming it. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not valid:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an already parsed configuration document. */
export function parseOpsConfig(document: unknown, file = DEFAULT_CONFIG_FILE): OpsConfig {
  const parsed = z.safeParse(OpsConfig, document ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const where = path === '(top level)' ? '' : `${path}.`;
      return issue.keys.map((key) => `${where}${key}: unknown setting; check its spelling`).join('\n  ');
    }
    return `${path}: ${issue.message}`;
  });
  throw new ConfigError(file, problems);
}

/**
 * Reads and validates a configuration file. With `required` false a missing file means "all defaults", which
 * is what a newcomer without a config file gets.
 */
export function loadOpsConfig(file = DEFAULT_CONFIG_FILE, required = false): OpsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !required) return parseOpsConfig({}, file);
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid YAML: ${(error as Error).message}`]);
  }
  return parseOpsConfig(document, file);
}

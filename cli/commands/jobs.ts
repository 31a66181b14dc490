/**
 * `ecs-ops jobs`: the scheduled jobs of ops.config.yml with their next fire and last run, a job's history, and
 * how to run, suspend or resume one.
 *
 *   ecs-ops jobs [--json]                           each job: schedule, zone, enabled, next fire, last run
 *   ecs-ops jobs history <name> [--limit n] [--json] its runs, newest first (the run store)
 *   ecs-ops jobs run <name> [--json]                a manual run: invokes the deployed launch function
 *   ecs-ops jobs suspend|resume <name>              config-driven: set enabled in ops.config.yml, redeploy
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { JobConfig } from '../../lib/jobs/config.js';
import { type JobRun, RunStore } from '../../lib/jobs/run-store.js';
import { nextFires, parseSchedule } from '../../lib/jobs/schedules/index.js';
import { awsClient } from '../../lib/platform/aws/clients.js';
import type { CommandContext } from '../context.js';
import { limitFlag } from '../flags.js';
import { renderTable, text } from '../format.js';
import { type Column, cut, fetchSize, parseLimit, printList } from '../list.js';
import { invokeManualRun, launchFunctionName } from '../manual-run.js';
import { type CommandSpec, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { isoInZone, wallTime } from '../time.js';
import { UsageError } from '../usage.js';

const named = (name: string, summary: string, flags: CommandSpec['flags'] = {}): CommandSpec => ({
  name: `jobs ${name}`,
  args: '<name>',
  maxArgs: 1,
  summary,
  flags,
});

export const JOBS: CommandSpec = {
  name: 'jobs',
  list: true,
  summary:
    'the scheduled jobs of ops.config.yml: schedule, zone, enabled, next fire in the job’s zone and in UTC ' +
    '(cron; a rate counts from its deploy), last run and its result',
  flags: {},
  subcommands: {
    required: false,
    specs: [
      {
        ...named('history', 'a job’s runs, newest first: slot, status, tasks, attempts, reason', {
          limit: limitFlag('runs'),
        }),
        list: true,
      },
      named(
        'run',
        'run a job now: invokes the deployed launch function (the schedule’s path and policies) and prints the ' +
          'run; --store local needs AWS_ENDPOINT_URL_LAMBDA (a local endpoint that serves Lambda)',
      ),
      named(
        'suspend',
        'jobs are config-driven: says to set enabled: false in ops.config.yml and redeploy (exit 2)',
      ),
      named(
        'resume',
        'jobs are config-driven: says to set enabled: true in ops.config.yml and redeploy (exit 2)',
      ),
    ],
  },
};

/** `jobs` alone lists; `jobs <subcommand> <name>` acts on one job. */
export async function jobsCommand(
  context: CommandContext,
  subcommand: string | undefined,
  args: readonly string[],
  values: Values,
  now: () => Date = () => new Date(),
): Promise<number> {
  if (subcommand === undefined) return listJobs(context, now());
  const [name] = args;
  if (name === undefined)
    throw new UsageError(`jobs ${subcommand} needs a job name, e.g. ecs-ops jobs ${subcommand} report`);
  const job = jobOf(context, name);
  switch (subcommand) {
    case 'history':
      return history(context, name, parseLimit(stringOf(values, 'limit')));
    case 'run':
      return run(context, name);
    default:
      return suspendOrResume(context, name, job, subcommand === 'suspend');
  }
}

function jobOf(context: CommandContext, name: string): JobConfig {
  const job = context.config.jobs[name];
  if (job === undefined) {
    const known = Object.keys(context.config.jobs);
    throw new UsageError(
      `unknown job ${name}; ops.config.yml's jobs are ${known.length === 0 ? '(none)' : known.join(', ')}`,
    );
  }
  return job;
}

const runStore = (context: CommandContext) =>
  new RunStore({ tableName: context.store.tableName, client: context.store.client, retentionDays: 0 });

/**
 * The next fire of a cron schedule in its zone. A rate schedule counts from when it was created (deployed),
 * which the config does not know: no next fire.
 */
export function nextFireOf(
  job: Pick<JobConfig, 'schedule' | 'timeZone' | 'enabled'>,
  now: Date,
): string | null {
  if (!job.enabled) return null;
  const schedule = parseSchedule(job.schedule);
  if (schedule.kind === 'rate') return null;
  const [next] = nextFires(schedule, { from: now, count: 1, timeZone: job.timeZone });
  return next === undefined ? null : next.toISOString();
}

interface JobLine {
  name: string;
  schedule: string;
  timeZone: string;
  enabled: boolean;
  cluster: string;
  taskDefinition: string;
  concurrency: JobConfig['concurrency'];
  /** ISO UTC. */
  nextFire: string | null;
  /** The same instant with the job's zone's offset: "2024-05-02T02:30:00+02:00". */
  nextFireInZone: string | null;
  lastRun: ReturnType<typeof lastRunOf> | null;
}

/** The next fire on the job's own wall clock (its ZONE column) and in UTC, each labelled in its header. */
const JOB_COLUMNS: readonly Column<JobLine>[] = [
  { header: 'JOB', cell: (job) => job.name },
  { header: 'SCHEDULE', cell: (job) => job.schedule },
  { header: 'ZONE', cell: (job) => job.timeZone },
  { header: 'ENABLED', cell: (job) => (job.enabled ? 'yes' : 'no (suspended)') },
  {
    header: 'NEXT FIRE (JOB ZONE)',
    cell: (job) =>
      job.nextFire === null
        ? job.enabled
          ? 'every period from deploy'
          : ''
        : wallTime(job.nextFire, job.timeZone),
  },
  { header: 'NEXT FIRE (UTC)', cell: (job) => (job.nextFire === null ? '' : wallTime(job.nextFire, 'UTC')) },
  { header: 'LAST RUN', cell: (job, show) => (job.lastRun === null ? 'never' : show.time(job.lastRun.slot)) },
  { header: 'RESULT', tone: true, cell: (job) => (job.lastRun === null ? '' : job.lastRun.status) },
  { header: 'CLUSTER', wide: true, cell: (job) => job.cluster },
  { header: 'TASK DEFINITION', wide: true, cell: (job) => job.taskDefinition },
  { header: 'CONCURRENCY', wide: true, cell: (job) => text(job.concurrency) },
];

async function listJobs(context: CommandContext, now: Date): Promise<number> {
  const store = runStore(context);
  const printer = printerOf(context);
  const jobs = await Promise.all(
    Object.entries(context.config.jobs).map(async ([name, job]): Promise<JobLine> => {
      const [last] = await store.history(name, 1);
      const nextFire = nextFireOf(job, now);
      return {
        name,
        schedule: job.schedule,
        timeZone: job.timeZone,
        enabled: job.enabled,
        cluster: job.cluster,
        taskDefinition: job.taskDefinition,
        concurrency: job.concurrency,
        nextFire,
        nextFireInZone: nextFire === null ? null : isoInZone(nextFire, job.timeZone),
        lastRun: last === undefined ? null : lastRunOf(last),
      };
    }),
  );
  if (jobs.length === 0 && (printer.format === 'table' || printer.format === 'wide')) {
    printer.out('No jobs: add a jobs section to ops.config.yml (see the README, "Scheduled jobs").');
    return 0;
  }
  printList(printer, {
    columns: JOB_COLUMNS,
    sections: [{ title: 'Jobs of ops.config.yml', rows: jobs, more: false }],
    limit: 0,
  });
  return 0;
}

const lastRunOf = (run: JobRun) => ({
  slot: run.slot,
  status: run.status,
  ...(run.result === undefined ? {} : { result: run.result }),
  ...(run.reason === undefined ? {} : { reason: run.reason }),
});

const RUN_COLUMNS: readonly Column<JobRun>[] = [
  { header: 'SLOT', cell: (run, show) => show.time(run.slot) },
  { header: 'STATUS', tone: true, cell: (run) => run.status },
  { header: 'TASKS', cell: (run) => String(run.tasks.length) },
  { header: 'ATTEMPTS', cell: (run) => String(run.attempts) },
  {
    header: 'DURATION',
    cell: (run) => (run.durationSeconds === undefined ? '' : `${run.durationSeconds} s`),
  },
  { header: 'REASON', free: 80, cell: (run) => text(run.reason ?? run.decisions.at(-1)) },
  { header: 'REQUEST', wide: true, cell: (run) => text(run.requestId) },
  { header: 'COMPLETED', wide: true, cell: (run, show) => show.time(run.completedAt) },
  { header: 'DECISIONS', wide: true, cell: (run) => run.decisions.join(' | ') },
];

async function history(context: CommandContext, name: string, limit: number): Promise<number> {
  const runs = await runStore(context).history(name, fetchSize(limit) ?? 2 ** 31 - 1);
  printList(printerOf(context), {
    columns: RUN_COLUMNS,
    sections: [{ title: `Runs of ${name}, newest first`, ...cut(runs, limit) }],
    limit,
  });
  return 0;
}

/**
 * A manual run invokes the deployed launch function and waits for its run summary: one code path with the
 * schedule. With --store local there is no deployed function; the SDK's AWS_ENDPOINT_URL_LAMBDA names the
 * local endpoint that serves one (the sandbox's, a test's).
 */
async function run(context: CommandContext, name: string): Promise<number> {
  const { store, stage, region, profile } = context.options;
  const printer = printerOf(context);
  const local = store === 'local';
  if (local && !process.env.AWS_ENDPOINT_URL_LAMBDA) {
    throw new UsageError(
      `jobs run invokes the launch function, and --store local has none deployed: run it against AWS with ` +
        `--store aws --stage <stage>, or set AWS_ENDPOINT_URL_LAMBDA to a local endpoint that serves Lambda`,
    );
  }
  const lambda = awsClient(LambdaClient, {
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
    // The local endpoint checks no signature, and a developer's machine may have no AWS configuration at all.
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    ...(local && region === undefined && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
  });
  const functionName = launchFunctionName(stage);
  try {
    const result = await invokeManualRun(lambda, functionName, name);
    const printed = printer.document(result.ok ? { requestId: result.requestId, ...result.summary } : result);
    if (!result.ok) {
      if (!printed) printer.out(`${functionName} failed: ${result.errorType}: ${result.errorMessage}`);
      return 1;
    }
    if (!printed) {
      const { summary } = result;
      printer.out(`Run of ${name} (times in ${printer.timeZone}):`);
      printer.out(
        renderTable(
          ['JOB', 'SLOT', 'OUTCOME', 'TASKS', 'REASON'],
          [
            [
              summary.job,
              printer.time(summary.slot),
              summary.outcome,
              String(summary.tasks.length),
              summary.reason,
            ],
          ],
        ),
      );
      printer.out(`request ${result.requestId}; follow it with: ecs-ops jobs history ${name}`);
    }
    return 0;
  } finally {
    lambda.destroy();
  }
}

function suspendOrResume(context: CommandContext, name: string, job: JobConfig, suspend: boolean): number {
  const want = !suspend;
  const state = job.enabled === want ? ` (it already is enabled: ${job.enabled} in ops.config.yml)` : '';
  throw new UsageError(
    `jobs are configured, not toggled: set jobs.${name}.enabled: ${want} in ops.config.yml${state} and redeploy ` +
      `(npx serverless deploy --stage ${context.options.stage}); the schedule is kept, ${want ? 'ENABLED' : 'DISABLED'}`,
  );
}

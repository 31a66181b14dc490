/**
 * `ecs-ops status [--watch [seconds]]`: one screen that says whether ecs-ops itself is healthy — a verdict
 * first (`healthy` or `N problems`, each listed), then the deployment, the event queues (depth, oldest message),
 * the dead-letter queues, the scheduled functions' last runs, reconcile's lag, open drains, the jobs' next fires
 * and the alarms in ALARM. The facts are gathered through ports (cli/status-gather.ts); the verdict is
 * cli/status-model.ts problemsOf.
 *
 * Exit codes: 0 healthy, 1 problems found (or a runtime failure), 2 bad usage.
 */
import { MISSED_RUNS } from '../../deploy/monitoring.js';
import type { CommandContext } from '../context.js';
import { renderTable } from '../format.js';
import type { CommandSpec, Values } from '../options.js';
import { type Printer, paint, printerOf } from '../output.js';
import { openStatusPorts } from '../status-aws.js';
import { gatherStatus, RECENT_SECONDS } from '../status-gather.js';
import { type Problem, problemsOf, type StatusFacts, type Thresholds, verdictLine } from '../status-model.js';
import { UsageError } from '../usage.js';

export const DEFAULT_WATCH_SECONDS = 5;

export const STATUS: CommandSpec = {
  name: 'status',
  maxArgs: 1,
  summary:
    'whether ecs-ops itself is healthy: a verdict (healthy or N problems), then the deployment, queue depths ' +
    'and oldest messages, dead-letter queues, the scheduled functions’ last runs, reconcile lag, open drains, ' +
    'next job fires and alarms in ALARM; exit 1 on a problem',
  title: 'whether ecs-ops itself is healthy',
  flags: {
    watch: {
      type: 'boolean',
      help:
        'redraw every [seconds] (default 5; the number follows --watch: --watch 2) until Ctrl-C; on a terminal ' +
        'the screen is cleared each time, on a pipe each refresh follows the last after a blank line',
    },
  },
  about: `Reads, on each refresh:
  the table           DescribeTable on ecs-ops-<stage>-state (--store aws) or the local store's table
  queues              the stack's queues found by the prefix ecs-ops-<stage>- (ListQueues, as ecs-ops dlq
                      finds them): ApproximateNumberOfMessages and …NotVisible; the event queues' oldest
                      message from CloudWatch AWS/SQS ApproximateAgeOfOldestMessage (Maximum, the latest
                      datapoint of the last 5 minutes; "no data" when there is none)
  scheduled functions alert-summary, job-timeouts, drain-sweeper, scale, resync, launch, named
                      ecs-ops-<stage>-<function>: AWS/Lambda Invocations and Errors per minute over the last
                      hour (longer when 3 of its periods are longer): the latest minute with an invocation and
                      whether it had errors
  reconcile lag       ecs-ops EventLag (stage, function=reconcile), p50 and p99 over the last 5 minutes
  open drains         from the store, as ecs-ops drains --open lists them
  jobs                the next fire of each job of ops.config.yml, as ecs-ops jobs computes it
  alarms              CloudWatch DescribeAlarms, prefix ecs-ops-<stage>-, in ALARM: severity (the description's
                      first word, [critical]) and reason
Names come from the stack's naming rules, not from its CloudFormation outputs: no CloudFormation permission is
needed. With --store aws the caller needs dynamodb:DescribeTable and Query on the table, sqs:ListQueues and
GetQueueAttributes, cloudwatch:GetMetricData and DescribeAlarms.

With --store local, queues, metrics and alarms come from the running local endpoint AWS_ENDPOINT_URL names (the
sandbox's; AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_CLOUDWATCH per service). Without one, status shows what the
local store alone can say — the table, open drains, next job fires — and says plainly that the rest needs a
running endpoint or --store aws; that partial view's verdict covers only what it shows.`,
  more: `Problems (the verdict): the table not answering; a dead-letter queue with messages; an alarm in ALARM; an event
queue's oldest message older than selfMonitoring.queueAgeSeconds; reconcile's p99 lag over
selfMonitoring.lagSeconds; a scheduled function not run for 3 of its periods; a source that could not be read.

Output: the verdict line, the problems, then a table per section (times in --tz). -o json or yaml: one document,
{ verdict, problems, ...facts } (--watch takes the table view only).

Exit codes: 0 healthy (the partial local view: nothing wrong in what it shows); 1 problems found, or a runtime
failure; 2 bad usage.`,
};

export interface StatusRun {
  /** Stops --watch (Ctrl-C by default). */
  signal?: AbortSignal;
  now?: () => Date;
}

export async function statusCommand(
  context: CommandContext,
  args: readonly string[],
  values: Values,
  run: StatusRun = {},
): Promise<number> {
  const watch = values.watch === true;
  const [given] = args;
  if (given !== undefined && !watch)
    throw new UsageError(
      `status takes no argument (got ${given}); an interval follows --watch: --watch ${given}`,
    );
  const seconds = given === undefined ? DEFAULT_WATCH_SECONDS : Number(given);
  if (!Number.isFinite(seconds) || seconds <= 0 || given?.trim() === '')
    throw new UsageError(`--watch ${given}: expected a number of seconds > 0, e.g. --watch 5`);
  const printer = printerOf(context);
  if (watch && printer.format !== 'table')
    throw new UsageError(
      `--watch redraws the table view; -o ${printer.format} prints one document, without --watch`,
    );
  const now = run.now ?? (() => new Date());
  const thresholds: Thresholds = {
    queueAgeSeconds: context.config.selfMonitoring.queueAgeSeconds,
    lagSeconds: context.config.selfMonitoring.lagSeconds,
    missedRuns: MISSED_RUNS,
  };
  const opened = await openStatusPorts(context);
  try {
    const once = async () => {
      const facts = await gatherStatus({ ...opened.ports, now });
      const problems = problemsOf(facts, thresholds);
      return { facts, problems };
    };
    if (!watch) {
      const { facts, problems } = await once();
      if (!printer.document({ verdict: verdictLine(problems), problems, ...facts }))
        for (const line of renderStatus(facts, problems, printer)) printer.out(line);
      return problems.length === 0 ? 0 : 1;
    }
    return await watchStatus(printer, once, seconds, run.signal ?? interrupt());
  } finally {
    opened.close();
  }
}

/** An abort signal for Ctrl-C, while the watch runs. */
function interrupt(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  controller.signal.addEventListener('abort', () => process.off('SIGINT', stop));
  return controller.signal;
}

async function watchStatus(
  printer: Printer,
  once: () => Promise<{ facts: StatusFacts; problems: Problem[] }>,
  seconds: number,
  signal: AbortSignal,
): Promise<number> {
  let code = 0;
  let first = true;
  while (!signal.aborted) {
    const { facts, problems } = await once();
    code = problems.length === 0 ? 0 : 1;
    if (signal.aborted) break;
    const lines = renderStatus(facts, problems, printer, seconds);
    if (printer.terminal !== undefined) printer.out(`\u001b[2J\u001b[H${lines.join('\n')}`);
    else printer.out(`${first ? '' : '\n'}${lines.join('\n')}`);
    first = false;
    await sleep(seconds * 1000, signal);
  }
  return code;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

const ageText = (value: number | null) =>
  value === null ? 'no data' : value < 120 ? `${Math.round(value)} s` : `${Math.round(value / 60)} min`;
const lagText = (value: number | null) =>
  value === null ? 'no data' : `${value.toFixed(value < 10 ? 2 : 1)} s`;

/** The table view: the verdict, its problems, then a section per source. */
export function renderStatus(
  facts: StatusFacts,
  problems: readonly Problem[],
  printer: Pick<Printer, 'time' | 'timeZone' | 'terminal'>,
  watchSeconds?: number,
): string[] {
  const colour = printer.terminal?.colour === true;
  const tone = (text: string) => (colour ? paint(text) : text);
  const verdict = verdictLine(problems);
  const partial = facts.partial === null ? '' : ' (partial view: the local store only)';
  const lines: string[] = [
    `${colour && problems.length === 0 ? tone('ok').replace('ok', verdict) : verdict}${partial}`,
  ];
  for (const problem of problems) lines.push(`  - ${problem.text}`);
  const { deployment } = facts;
  const refreshed = `${printer.time(facts.at)} ${printer.timeZone}`;
  lines.push(
    '',
    watchSeconds === undefined
      ? `Deployment (at ${refreshed}; times in ${printer.timeZone}):`
      : `Deployment (refreshed ${refreshed}, every ${watchSeconds} s; Ctrl-C stops):`,
    renderTable(
      ['STAGE', 'REGION', 'STORE', 'TABLE', 'ANSWERS', ...(deployment.store === 'local' ? ['ENDPOINT'] : [])],
      [
        [
          deployment.stage,
          deployment.region ?? '-',
          deployment.store,
          deployment.table,
          deployment.tableAnswers ? 'yes' : `no: ${deployment.tableError ?? ''}`,
          ...(deployment.store === 'local' ? [deployment.endpoint ?? 'none'] : []),
        ],
      ],
    ),
  );
  if (facts.stack !== null) {
    const outputs = Object.entries(facts.stack.outputs).sort(([a], [b]) => a.localeCompare(b));
    lines.push('', `Stack ${facts.stack.name} outputs:`);
    lines.push(outputs.length === 0 ? '  none' : renderTable(['OUTPUT', 'VALUE'], outputs));
  }
  if (facts.partial !== null) lines.push('', `Partial view: ${facts.partial}.`);
  /** A queue's row: which, its name, messages and in flight, then `last`. */
  const queueRow = (
    queue: { name: string; queue: string; messages: number; inFlight: number },
    last: string,
  ) => [queue.name, queue.queue, String(queue.messages), String(queue.inFlight), last];
  if (facts.queues !== null) {
    lines.push('', `Event queues (oldest message: the latest of the last ${RECENT_SECONDS / 60} min):`);
    lines.push(
      facts.queues.length === 0
        ? `  none found with the prefix ecs-ops-${deployment.stage}-`
        : renderTable(
            ['QUEUE', 'NAME', 'MESSAGES', 'IN FLIGHT', 'OLDEST'],
            facts.queues.map((queue) => queueRow(queue, ageText(queue.oldestAgeSeconds))),
          ),
    );
  }
  if (facts.deadLetterQueues !== null) {
    lines.push('', 'Dead-letter queues:');
    lines.push(
      facts.deadLetterQueues.length === 0
        ? '  none found'
        : renderTable(
            ['DLQ', 'NAME', 'MESSAGES', 'IN FLIGHT', 'NEXT'],
            facts.deadLetterQueues.map((queue) => queueRow(queue, queue.hint ?? '')),
          ),
    );
  }
  if (facts.functions !== null) {
    lines.push('', 'Scheduled functions (AWS/Lambda Invocations and Errors per minute):');
    lines.push(
      renderTable(
        ['FUNCTION', 'PERIOD', 'LAST RUN', 'RESULT'],
        facts.functions.map((fn) => [
          fn.name,
          fn.periodSeconds === null ? '-' : `${fn.periodSeconds} s`,
          fn.lastRun === null ? `none in ${Math.round(fn.windowSeconds / 60)} min` : printer.time(fn.lastRun),
          fn.failed === null ? '' : tone(fn.failed ? 'failed' : 'ok'),
        ]),
      ),
    );
  }
  if (facts.lag !== null) {
    lines.push(
      '',
      `Reconcile lag (last ${RECENT_SECONDS / 60} min): p50 ${lagText(facts.lag.p50Seconds)}, p99 ${lagText(facts.lag.p99Seconds)}`,
    );
  }
  lines.push('', `Open drains (${facts.drains.length}):`);
  lines.push(
    facts.drains.length === 0
      ? '  none'
      : renderTable(
          ['INSTANCE', 'CLUSTER', 'TRIGGER', 'STATE', 'STARTED', 'DEADLINE'],
          facts.drains.map((drain) => [
            drain.instance,
            drain.cluster ?? '',
            drain.trigger,
            tone(drain.state),
            printer.time(drain.startedAt),
            printer.time(drain.deadline),
          ]),
        ),
  );
  lines.push('', `Jobs (${facts.jobs.length}):`);
  lines.push(
    facts.jobs.length === 0
      ? '  none in ops.config.yml'
      : renderTable(
          ['JOB', 'SCHEDULE', 'NEXT FIRE'],
          facts.jobs.map((job) => [
            job.name,
            job.schedule,
            !job.enabled
              ? 'disabled'
              : job.nextFire === null
                ? 'every period from deploy'
                : printer.time(job.nextFire),
          ]),
        ),
  );
  if (facts.alarms !== null) {
    lines.push('', `Alarms in ALARM (${facts.alarms.length}):`);
    lines.push(
      facts.alarms.length === 0
        ? '  none'
        : renderTable(
            ['SEVERITY', 'ALARM', 'SINCE', 'REASON'],
            facts.alarms.map((alarm) => [
              tone(alarm.severity ?? '-'),
              alarm.name,
              alarm.since === null ? '' : printer.time(alarm.since),
              alarm.reason,
            ]),
          ),
    );
  }
  return lines;
}

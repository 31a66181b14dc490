/** Bad usage or unusable input: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A command that could not do its work for a reason the user can act on (nothing to connect to, AWS refused):
 * the CLI prints the message, no stack, and exits 1.
 */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}

/** Refuses a command's missing or unknown subcommand, showing the one form it has (`cron next "<expression>"`). */
export function requireSubcommand(command: string, subcommand: string | undefined, usage: string): void {
  const [expected] = usage.split(' ');
  if (subcommand === expected) return;
  throw new UsageError(
    subcommand === undefined
      ? `${command} needs a subcommand: ecs-ops ${command} ${usage}`
      : `unknown ${command} subcommand ${subcommand}; expected ecs-ops ${command} ${usage}`,
  );
}

export const HELP = `ecs-ops — audit ECS state kept by ecs-ops, locally or in AWS

Usage: ecs-ops <command> [options]

Commands:
  replay <file|->            feed EventBridge envelopes (JSON Lines or a JSON array) through the
                             reconcile function's code; prints accepted / duplicate / stale / invalid
                             (grouped by reason, with line numbers) / skipped (events that are not
                             ECS state changes, by detail-type) / failed. JSON Lines are read line
                             by line: a bad line is invalid, never refuses the file. A progress
                             bar shows on a terminal. Exit 1 if any record failed, 2 if only
                             invalid ones (skipped never count), else 0
  task <arn|id>              latest state of one task or container instance
        --history            with every version received (its timeline)
  tasks                      tasks of a cluster, newest in their status first
        --cluster <name>     default: the clusters in ops.config.yml
        --status <STATUS>    e.g. RUNNING, STOPPED (default: every status)
        --group <group>      e.g. service:web or family:report
        --since <age|time>   e.g. 24h, 30m, 7d or 2024-05-01T12:00:00Z (time the task entered its
                             status, or was created with --group)
        --limit <n>          default 100
  instances                  container instances of a cluster, in statuses ecs-ops does not know too
        --cluster <name>, --status <STATUS>
  alerts                     what alerting decided for each stopped task, newest first: sent,
                             grouped (crash loop), muted (and the rule's reason), summary-sent,
                             not-incident
        --since <age|time>   default 24h
        --limit <n>          default 100
  sandbox                    run ecs-ops end to end on a simulated ECS account: the deployed
                             functions, serverless.yml's routing, a local AWS endpoint (npm start)
        --duration <time>    40s, 2m, 1h or seconds of the story at its speed (default: the whole
                             story, about a minute)
        --speed <n>          simulated seconds per second (default 2)
        --chaos <p>          share of events delivered twice, all reordered (default 0.1; 0 = off)
        --loss <p>           share of ECS state-change events lost before any rule sees them, as
                             when ECS never sends one (default 0 = off; below 1); resync heals them
        --seed <n>           replay a run (into a fresh --dir; default: a new seed)
  mailbox                    messages published to SNS in the sandbox, newest first
        --limit <n>          default 100
  cron next "<expression>"   the next fire times of an EventBridge schedule, cron(…) or rate(…),
                             as ISO UTC and on the zone's wall clock (EventBridge semantics, DST
                             included); e.g. ecs-ops cron next "cron(0/15 8-17 ? * MON-FRI *)"
        -n <count>           how many (default 5)
        --tz <zone>          IANA zone the cron fields are read in (default UTC)
        --from <ISO time>    list fires after this time (default now); for rate(…), its start
  jobs                       the scheduled jobs of ops.config.yml: schedule, zone, enabled, next
                             fire (cron; a rate counts from its deploy), last run and its result
  jobs history <name>        a job's runs, newest first: slot, status, tasks, attempts, reason
        --limit <n>          default 100
  jobs run <name>            run a job now: invokes the deployed launch function (the schedule's
                             path and policies) and prints the run; --store local needs
                             AWS_ENDPOINT_URL_LAMBDA (a local endpoint that serves Lambda)
  jobs suspend|resume <name> jobs are config-driven: says to set enabled in ops.config.yml and
                             redeploy (exit 2)
  scale plan                 what a step scaling policy would do now, for a service running
                             --current tasks with the metric at --metric (outside any cooldown)
        --policy <name|file> a policy of ops.config.yml's scaling section, or a YAML/JSON file
        --current <n>        running tasks (the starting point, as AWS computes it)
        --metric <value>     the metric source's value (for sqs perTask: the whole backlog)
  scaling                    step scaling decisions, newest first: policy, service, scale or ignore
                             (and why: within cooldown, at max, metric missing, …), desired counts
        --service <cluster/service|service>
        --since <age|time>   default 24h
        --limit <n>          default 100
  drains                     container instances drained before they left, under way first:
                             trigger, started, tasks left, state, released how and when, API calls
        --open               only the drains under way
        --limit <n>          default 100
  drain <i-…|arn>            drain an instance by hand: set it DRAINING and record the drain (the
                             deployed drain function releases it once empty); needs --store aws,
                             or AWS_ENDPOINT_URL_ECS with --store local
  resync                     compare the store with what ECS knows now and correct it, through the
                             deployed resync function's code: per cluster the counts (added,
                             advanced, marked missing, in sync, newer in the store) and each
                             correction; exit 1 if a correction failed (the next run retries);
                             --store local needs AWS_ENDPOINT_URL_ECS (see ecs-ops resync --help)
        --cluster <name>     repeatable (default: the clusters in ops.config.yml, else every one)
        --dry-run            print the drift, write and publish nothing
  demo                       replay the sample stream in events/demo into the store and show it

Global options:
  --store local|aws          local (default): the embedded engine in --dir; aws: the deployed table
  --dir <path>               local store folder (default .ecs-ops)
  --stage <stage>            with --store aws: the deployed stage (default dev)
  --region <region>          with --store aws
  --profile <profile>        with --store aws
  --config <file>            ops.config.yml to read (default ./ops.config.yml if present)
  --json                     print one JSON document instead of tables
  -h, --help                 this help

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid input.`;

/** Commands with a help of their own (`ecs-ops <command> --help`). */
export const COMMAND_HELP: Record<string, string> = {
  resync: `ecs-ops resync — compare the store with what ECS knows now, and correct it (anti-entropy)

Usage: ecs-ops resync [--cluster <name>]... [--dry-run] [options]

Runs the code the deployed resync function runs. Per cluster it reads the tasks ECS runs, those it stopped
recently and the registered container instances, then asks about the store's live resources ECS did not
list. It adds what the store lacks, advances what it holds at an older version (a newer stored version always
wins) and marks missing what ECS no longer knows: kept with its timeline, listed as STOPPED (a task) or
INACTIVE (a container instance). Nothing is deleted. Stops nobody heard of go to the event bus for alerting
and job runs; each cluster's run is journaled.

Options:
  --cluster <name>     a cluster to resync, by name or ARN; repeat for more (default: the clusters in
                       ops.config.yml, else every cluster of the account and region)
  --dry-run            compare only: print the drift as a run would correct it, write and publish nothing
  --limit <n>          corrections listed per cluster (default 100; --json lists them all)
  --store local|aws    aws: the deployed stage's table (--stage), ECS and EventBridge with your
                       credentials (--region, --profile); local (default): the store in --dir, ECS and
                       EventBridge at the local endpoint AWS_ENDPOINT_URL_ECS names
                       (AWS_ENDPOINT_URL_EVENTBRIDGE if EventBridge is elsewhere)
  --config <file>      ops.config.yml: clusters, resync.callsPerSecond, retention
  --json               one JSON document: { dryRun, runId, reports } with every correction

Output, per cluster, a line of counts and its corrections:
  prod: 3 added, 1 advanced, 2 marked missing, 250 in sync, 0 newer in the store; 7 API calls in 0.8 s
    ACTION        RESOURCE               VERSION   STATUS
    add           task/0123456789abcdef  none → 3  RUNNING
    advance       task/fedcba9876543210  2 → 4     STOPPED
    mark-missing  task/00112233aabbccdd  5         missing

Exit codes: 0 nothing failed; 1 a correction failed (the next run retries it), ECS refused, or no local
endpoint answers; 2 bad usage.`,
};

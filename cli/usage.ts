/** Bad usage or unusable input: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
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
  instances                  container instances of a cluster
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

/**
 * `ecs-ops replay <file> --alerts`: captured events through the deployed alert function's code, as of each
 * event's time, on a fresh local store. One capture holds what on-call meets: an OOM kill, a crash loop (its
 * first exit pages, the later ones are grouped, one summary follows its window), a muted service, a deployment
 * stop, a sidecar's exit and a malformed line. Task definitions — from a folder, from a local endpoint, or none —
 * decide which containers are essential.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertDecision, AlertReplaySummary } from '../../../cli/alert-replay.js';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { EcsBackend } from '../../../local/endpoint/backends.js';
import { runCaptured } from '../../support/cli-run.js';
import { ACCOUNT, hexId, REGION, taskEvent } from '../../support/fixtures.js';
import { endpointFor } from '../../support/local-endpoint.js';
import { tempDir } from '../../support/temp-dir.js';

const START = Date.parse('2024-05-01T13:00:00Z');
const timeAt = (seconds: number) => new Date(START + seconds * 1000).toISOString();
const definitionArn = (family: string, revision: number) =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

/** A task of prod stopped `seconds` after START; `detail` says which, and how. */
const stopped = (id: string, seconds: number, detail: Record<string, unknown>) =>
  JSON.stringify(
    taskEvent({
      fixture: 'ecs/task/fargate-stopped-essential-exit.json',
      id,
      time: timeAt(seconds),
      stoppedAt: timeAt(seconds),
      detail,
    }),
  );
const exited = (name: string, exitCode?: number) => ({
  name,
  lastStatus: 'STOPPED',
  ...(exitCode === undefined ? {} : { exitCode }),
});
const workerCrash = (n: number, seconds: number) =>
  stopped(`worker-${n}`, seconds, {
    group: 'service:worker',
    taskDefinitionArn: definitionArn('worker', 1),
    containers: [exited('worker', 1)],
  });

/** The capture, one envelope a line, in the order the bus carried them. */
const CAPTURE = [
  // api:17 — its container api OOM-killed (137), its log-router exited 0.
  stopped('api-oom', 0, {}),
  stopped('web-1', 30, {
    group: 'service:web',
    taskDefinitionArn: definitionArn('web', 4),
    containers: [exited('web', 1)],
  }),
  workerCrash(1, 60),
  stopped('api-deploy', 90, {
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/9876543210987654321)',
    containers: [exited('api', 0), exited('log-router', 0)],
  }),
  workerCrash(2, 120),
  '{"version": "0", "id": ', // cut off mid-event
  // billing:3 — its log-router (not essential) exited 1, its essential container billing reported nothing.
  stopped('billing-1', 150, {
    group: 'service:billing',
    taskDefinitionArn: definitionArn('billing', 3),
    containers: [exited('log-router', 1), exited('billing')],
  }),
  workerCrash(3, 180),
  // ECS starts the worker's replacement: the service still wants a task running, so it has not recovered.
  JSON.stringify(
    taskEvent({
      fixture: 'ecs/task/fargate-pending.json',
      id: 'worker-4',
      time: timeAt(185),
      group: 'service:worker',
      detail: { taskDefinitionArn: definitionArn('worker', 1) },
    }),
  ),
];

const CONFIG = `clusters: [prod]
alerts:
  crashLoop: { windowMinutes: 10 }
  mute:
    - group: service:web
      reason: web is being migrated
`;

let dir: string;
let files: string;

beforeEach(async () => {
  dir = await tempDir();
  files = await tempDir();
  writeFileSync(join(files, 'ops.config.yml'), CONFIG);
  writeFileSync(join(files, 'capture.jsonl'), `${CAPTURE.join('\n')}\n`);
  mkdirSync(join(files, 'definitions'));
  // As `aws ecs describe-task-definition` prints it, and as a bare definition named by family and revision.
  writeJson('definitions/api-17.json', {
    taskDefinition: {
      taskDefinitionArn: definitionArn('api', 17),
      family: 'api',
      revision: 17,
      containerDefinitions: [
        { name: 'api', essential: true },
        { name: 'log-router', essential: false },
      ],
    },
  });
  writeJson('definitions/billing-3.json', {
    family: 'billing',
    revision: 3,
    containerDefinitions: [{ name: 'billing' }, { name: 'log-router', essential: false }],
  });
});

function writeJson(path: string, value: unknown) {
  writeFileSync(join(files, path), JSON.stringify(value, null, 2));
}

const replay = (...flags: string[]) =>
  runCaptured([
    '--dir',
    dir,
    '--config',
    join(files, 'ops.config.yml'),
    'replay',
    join(files, 'capture.jsonl'),
    '--alerts',
    ...flags,
  ]);

async function replayJson(...flags: string[]) {
  const { code, out, err } = await replay(...flags, '-o', 'json');
  return { code, err, alerts: (JSON.parse(out) as { alerts: AlertReplaySummary }).alerts };
}

/** Each decision with its task's id, in the order of the capture. */
const withTaskIds = (decisions: readonly AlertDecision[]) =>
  decisions.map((decision) => ({ ...decision, task: decision.taskArn?.slice(-32) }));

/** The id the fixture builders give the task built from `seed`. */
const taskId = hexId;

describe('ecs-ops replay --alerts', () => {
  it('decides each stop as the alert function would at its time: paged, grouped, muted, not an incident, invalid', async () => {
    const { code, err, alerts } = await replayJson('--task-definitions', join(files, 'definitions'));

    expect(err).toBe('');
    expect(code).toBe(2); // the malformed line: invalid only, nothing failed
    expect(alerts.counts).toEqual({
      sent: 2,
      grouped: 2,
      muted: 1,
      'not-incident': 2,
      invalid: 1,
      failed: 0,
    });
    const decisions = withTaskIds(alerts.decisions);
    expect(decisions.map(({ at, outcome }) => `${at} ${outcome}`)).toEqual([
      'line 1 sent',
      'line 2 muted',
      'line 3 sent',
      'line 4 not-incident',
      'line 5 grouped',
      'line 6 invalid',
      'line 7 not-incident',
      'line 8 grouped',
    ]);
    expect(decisions[0]).toMatchObject({
      task: taskId('api-oom'),
      time: timeAt(0),
      cluster: 'prod',
      group: 'service:api',
      exitClass: 'oom',
      severity: 'critical',
      subject: expect.stringMatching(/api OOM-killed \(exit 137\b/),
      routed: true,
    });
    expect(decisions[1]).toMatchObject({
      group: 'service:web',
      reason: expect.stringContaining('web is being migrated'),
    });
    expect(decisions[2]).toMatchObject({ task: taskId('worker-1'), exitClass: 'app-error' });
    // A deployment never reaches the alert code: its rule does not route the stop, and nothing is journaled.
    expect(decisions[3]).toMatchObject({
      task: taskId('api-deploy'),
      routed: false,
      reason: expect.stringMatching(/^not routed to alert by its rule: .*a deployment or scale-in/),
    });
    expect(decisions[4]).toMatchObject({
      task: taskId('worker-2'),
      reason: `crash loop: exit 1 after the page of ${timeAt(60)}; summarised when the window ends`,
    });
    expect(decisions[5]).toMatchObject({ reason: expect.stringMatching(/^\(body\): not JSON/) });
    // The folder says log-router is not essential: billing's own container reported no exit.
    expect(decisions[6]).toMatchObject({
      task: taskId('billing-1'),
      routed: true,
      reason: expect.stringContaining('no essential container (billing)'),
    });
    // The crash loop's window (13:01–13:11) ends; the sweep of the next minute sends its summary.
    expect(alerts.summaries).toContainEqual(
      expect.objectContaining({
        outcome: 'summary-sent',
        at: '2024-05-01T13:12:00.000Z',
        group: 'service:worker',
        subject: expect.stringContaining('2 more exits'),
      }),
    );
    expect(alerts.taskDefinitions).toEqual({
      sources: [{ kind: 'folder', where: join(files, 'definitions'), definitions: 2 }],
      unknown: [definitionArn('web', 4), definitionArn('worker', 1)],
    });

    // The malformed line is dead-lettered, as replay does without --alerts.
    const letters = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
    expect(letters.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['line 6']);
    // The pages and the summary are in the mailbox, and the decisions in the journal `ecs-ops alerts` reads.
    const mailbox = await runCaptured(['--dir', dir, 'mailbox', '--json']);
    const subjects = (JSON.parse(mailbox.out) as { subject: string; topicArn: string }[]).map(
      (m) => m.subject,
    );
    expect(subjects).toEqual(
      expect.arrayContaining([
        decisions[0]?.subject,
        decisions[2]?.subject,
        expect.stringContaining('2 more exits'),
      ]),
    );
    const journal = await runCaptured(['--dir', dir, 'alerts', '--since', '2024-05-01T12:00Z', '--json']);
    const outcomes = (JSON.parse(journal.out) as { outcome: string }[]).map((entry) => entry.outcome);
    expect(outcomes.filter((outcome) => outcome !== 'resolved').sort()).toEqual(
      ['grouped', 'grouped', 'muted', 'not-incident', 'sent', 'sent', 'summary-sent'].sort(),
    );
  });

  it('without task definitions counts every container as essential, and says so', async () => {
    const { out } = await replay();
    expect(out).toContain(
      'No task definitions: every container counted as essential; pass --task-definitions dir',
    );
    // billing's log-router now counts: its exit 1 pages.
    expect(out).toMatch(new RegExp(`${taskId('billing-1')} +app-error +high +paged +\\S`));

    const { alerts } = await replayJson();
    expect(alerts.counts).toMatchObject({ sent: 3, grouped: 2, 'not-incident': 1 });
    expect(alerts.taskDefinitions.sources).toEqual([]);
  });

  it('prints the reconcile summary, then the alerts: counts, one line per decision, summaries and sources', async () => {
    const { code, out } = await replay('--task-definitions', join(files, 'definitions'));
    expect(code).toBe(2);
    expect(out).toMatch(/^Replayed 9 events from /);
    expect(out).toMatch(
      /^Alerts, as the alert function decides at each event's time \(pages: .*mailbox, topic ecs-ops-alerts-local\):$/m,
    );
    expect(out).toMatch(/^paged +2 /m);
    expect(out).toMatch(/^grouped +2 /m);
    expect(out).toMatch(/^muted +1 /m);
    expect(out).toMatch(/^not an incident +2 /m);
    expect(out).toMatch(/^invalid +1 /m);
    expect(out).toMatch(/^failed +0 /m);
    expect(out).toMatch(
      new RegExp(
        `^2024-05-01 13:00:00 +line 1 +prod +service:api +${taskId('api-oom')} +oom +critical +paged +\\[ecs-ops\\] .*api OOM-killed`,
        'm',
      ),
    );
    expect(out).toMatch(
      /^2024-05-01 13:00:30 +line 2 +prod +service:web .* muted +.*web is being migrated$/m,
    );
    expect(out).toMatch(/^ +line 6 .* invalid +\(body\): not JSON/m);
    expect(out).toMatch(/^ {2}2024-05-01 13:12:00 {2}summary-sent +prod service:worker: .*2 more exits/m);
    expect(out).toContain(
      `Task definitions: the folder ${join(files, 'definitions')} (2 definitions); not found, every container of ` +
        'their tasks counted as essential: web:4, worker:1',
    );
  });

  it('replayed again into the same store, gives the stored outcomes and sends nothing again', async () => {
    await replay();
    const sent = JSON.parse((await runCaptured(['--dir', dir, 'mailbox', '--json'])).out) as unknown[];

    const { alerts } = await replayJson();
    const incidents = alerts.decisions.filter((decision) => decision.key !== undefined);
    expect(incidents.length).toBe(6);
    expect(incidents.every((decision) => decision.duplicate === true)).toBe(true);
    expect(alerts.summaries).toEqual([]);
    expect(JSON.parse((await runCaptured(['--dir', dir, 'mailbox', '--json'])).out)).toHaveLength(
      sent.length,
    );
  });

  it('refuses a malformed task definition file, naming it and the problem, before replaying anything', async () => {
    writeJson('definitions/worker-1.json', {
      taskDefinition: {
        family: 'worker',
        revision: 1,
        containerDefinitions: [{ name: 'worker', essential: 'yes' }],
      },
    });
    const { code, err, out } = await replay('--task-definitions', join(files, 'definitions'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `ecs-ops: ${join(files, 'definitions', 'worker-1.json')}: taskDefinition.containerDefinitions[0].essential: ` +
        'expected true or false, got "yes"',
    );
    writeFileSync(join(files, 'definitions', 'worker-1.json'), '{ "taskDefinition": ');
    expect((await replay('--task-definitions', join(files, 'definitions'))).err).toMatch(
      /worker-1\.json: not JSON \(/,
    );
  });

  it('refuses --task-definitions without --alerts', async () => {
    const { code, err } = await runCaptured([
      '--dir',
      dir,
      'replay',
      join(files, 'capture.jsonl'),
      '--task-definitions',
      join(files, 'definitions'),
    ]);
    expect(code).toBe(2);
    expect(err).toBe('ecs-ops: --task-definitions is for --alerts: add --alerts, or leave it out');
  });

  describe('with a local endpoint named by AWS_ENDPOINT_URL_ECS', () => {
    const saved = process.env.AWS_ENDPOINT_URL_ECS;
    afterEach(() => {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ECS;
      else process.env.AWS_ENDPOINT_URL_ECS = saved;
    });

    it('asks its ECS first, then the folder for what it does not know', async () => {
      const asked: string[] = [];
      const ecs = {
        describeTaskDefinition: ({ taskDefinition = '' }) => {
          asked.push(taskDefinition);
          if (!taskDefinition.endsWith('task-definition/billing:3'))
            throw new AwsError('ClientException', 'Unable to describe task definition.');
          return {
            taskDefinition: {
              taskDefinitionArn: taskDefinition,
              containerDefinitions: [{ name: 'billing' }, { name: 'log-router', essential: false }],
            },
          };
        },
      } as Partial<EcsBackend> as EcsBackend;
      const { endpoint } = await endpointFor({ ecs });
      process.env.AWS_ENDPOINT_URL_ECS = endpoint.url;

      const { alerts } = await replayJson('--task-definitions', join(files, 'definitions'));

      expect(alerts.taskDefinitions.sources).toEqual([
        { kind: 'local endpoint', where: endpoint.url },
        { kind: 'folder', where: join(files, 'definitions'), definitions: 2 },
      ]);
      expect(new Set(asked)).toEqual(
        new Set([
          definitionArn('api', 17),
          definitionArn('web', 4),
          definitionArn('worker', 1),
          definitionArn('billing', 3),
        ]),
      );
      const billing = alerts.decisions.find((decision) => decision.group === 'service:billing');
      expect(billing).toMatchObject({ outcome: 'not-incident' });
      expect(alerts.decisions[0]).toMatchObject({ outcome: 'sent', exitClass: 'oom' });
    });

    it('exits 1 when no endpoint answers there, saying what to do', async () => {
      process.env.AWS_ENDPOINT_URL_ECS = 'http://127.0.0.1:9';
      const { code, err } = await replay();
      expect(code).toBe(1);
      expect(err).toMatch(
        /no local endpoint answers at http:\/\/127\.0\.0\.1:9 .*pass --task-definitions <dir>/,
      );
    });
  });
});

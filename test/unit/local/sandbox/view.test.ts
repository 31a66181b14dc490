import { describe, expect, it } from 'vitest';
import type { SandboxReport } from '../../../../local/sandbox/model.js';
import { SandboxView } from '../../../../local/sandbox/view.js';

const START = Date.parse('2024-05-02T09:00:00Z');

const setup = () => {
  const lines: string[] = [];
  const clock = { now: START };
  return {
    lines,
    clock,
    view: new SandboxView(
      (line) => lines.push(line),
      START,
      () => clock.now,
    ),
  };
};

/** A run's report, as the summary reads it. */
const REPORT: SandboxReport = {
  resync: { runs: 2, added: 5, advanced: 1, markedMissing: 0, lateStops: 1, failed: 0 },
  simulatedSeconds: 45,
  interrupted: false,
  bus: {
    published: 10,
    lost: 0,
    matched: {},
    unmatched: 0,
    delivered: 10,
    duplicatesInjected: 0,
    redelivered: 0,
    deadLettered: 0,
    invocations: 2,
    failedInvocations: 0,
  },
  reconciled: {},
  alarms: { evaluated: 47, fired: [], states: { OK: 40, ALARM: 0, INSUFFICIENT_DATA: 7 } },
  invocations: { reconcile: 2 },
  requests: {},
  mailbox: 3,
  alerts: {
    messages: 3,
    latencyMs: { p50: 1_234, max: 4_000 },
    perIncident: { 'a#1': 1, 'b#1': 1, unmatched: 1 },
    pagesPerIncident: { 'a#1': 1, 'b#1': 1, unmatched: 1 },
  },
  drains: {
    drains: [
      {
        ec2InstanceId: 'i-0abc',
        trigger: 'lifecycle',
        state: 'released',
        reason: 'empty',
        tasks: 3,
        releaseLatencyMs: 640,
        apiCalls: 2,
      },
    ],
  },
  scaling: {
    changes: [
      { service: 'prod/queue-worker', desiredCount: 4, atSeconds: 60.1 },
      { service: 'prod/queue-worker', desiredCount: 3, atSeconds: 75.2 },
    ],
    reactionSeconds: 20.1,
    evaluations: 4,
    apiCallsPerEvaluation: { min: 4, max: 6 },
  },
  scheduled: 0,
  groundTruth: { tasks: 1, instances: 1, mismatches: [] },
  store: '.ecs-ops',
};

describe('SandboxView', () => {
  it('says how to replay the run, and what it removed when --dir held an earlier one', () => {
    const options = { speed: 2, chaos: 0, seed: 7, clusters: ['prod'], dir: '.ecs-ops' };
    const headline = (startedClean: string[]) => {
      const { lines, view } = setup();
      view.headline({ routes: [], schedules: [], topics: [] }, options, startedClean);
      return lines;
    };
    expect(headline([])).toContain('  seed 7: --seed 7 replays this run');
    expect(headline([]).join('\n')).not.toContain('earlier run');
    expect(headline(['the items of ecs-ops-state', 'logs/', 'mailbox/'])).toContain(
      '  .ecs-ops held an earlier run: started clean (removed the items of ecs-ops-state, logs/, mailbox/)',
    );
  });

  it('says where the local AWS endpoint answers while the run lasts, and what to point at it', () => {
    const { lines, view } = setup();
    view.endpoint('http://127.0.0.1:4566');
    expect(lines).toEqual([
      '  local AWS endpoint, while the run lasts: http://127.0.0.1:4566 (e.g. AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx ecs-ops dlq list)',
    ]);
  });

  it('shows each message landing in the mailbox, stamped with simulated time', () => {
    const { lines, view } = setup();
    view.mailbox(START + 12_345, '[ecs-ops] prod api exited 137');
    view.mailbox(START + 13_000, undefined);
    expect(lines).toEqual([
      '+ 12.3s ✉ mailbox: [ecs-ops] prod api exited 137',
      '+ 13.0s ✉ mailbox: (no subject)',
    ]);
  });

  it('shows a function’s INFO lines about alerts, its WARN and ERROR lines, and nothing else', () => {
    const { lines, view, clock } = setup();
    const seen: string[] = [];
    view.onFunctionLog((entry, name) => seen.push(`${name}:${String(entry.message)}`));
    clock.now = START + 1_000;
    view.step(START + 1_000, 'something');
    const log = (entry: Record<string, unknown>) => view.functionLog('alert', JSON.stringify(entry));
    log({
      level: 'INFO',
      message: 'alert sent',
      subject: '[ecs-ops] batch ingest exited 1',
      incident: 'x#1',
    });
    log({ level: 'INFO', message: 'alert grouped into the crash-loop window' });
    log({ level: 'INFO', message: 'not an incident' });
    log({ level: 'DEBUG', message: 'alert sent' });
    log({ level: 'WARN', message: 'publish retried' });
    view.functionLog('alert', 'not JSON');
    view.functionLog('alert', '[1, 2]');
    expect(lines.slice(1)).toEqual([
      '+  1.0s     alert: alert sent — [ecs-ops] batch ingest exited 1',
      '+  1.0s     alert: alert grouped into the crash-loop window',
      '+  1.0s     alert warn: publish retried',
    ]);
    expect(seen).toHaveLength(5);
  });

  it('shows what each resync corrected per cluster, a warning one as well', () => {
    const { lines, view } = setup();
    const log = (entry: Record<string, unknown>) => view.functionLog('resync', JSON.stringify(entry));
    const counts = { added: 0, advanced: 2, markedMissing: 1, inSync: 20, lateStops: 1, failed: 0 };
    log({ level: 'INFO', message: 'resync of a cluster', trigger: 'schedule', cluster: 'prod', ...counts });
    log({
      level: 'WARN',
      message: 'resync of a cluster',
      trigger: 'deploy',
      cluster: 'batch',
      ...counts,
      failed: 1,
    });
    expect(lines).toEqual([
      '+  0.0s     resync (scheduled: heals what events missed): prod — 0 added, 2 advanced, 1 marked missing, 20 in sync, 1 late stops published',
      '+  0.0s     resync at deploy (backfills what ran before ecs-ops watched): batch — 0 added, 2 advanced, 1 marked missing, 20 in sync, 1 late stops published, 1 failed',
    ]);
  });

  it('shows the jobs’ launches and completed runs', () => {
    const { lines, view, clock } = setup();
    clock.now = START + 2_000;
    view.step(START + 2_000, 'something');
    view.functionLog(
      'launch',
      JSON.stringify({
        level: 'INFO',
        message: 'job launched',
        job: 'report',
        slot: '2024-05-02T09:01:00.000Z',
        tasks: ['arn'],
      }),
    );
    view.functionLog(
      'launch',
      JSON.stringify({
        level: 'INFO',
        message: 'job skipped',
        job: 'report',
        reason: 'a run is still going',
      }),
    );
    view.functionLog(
      'job-runs',
      JSON.stringify({
        level: 'INFO',
        message: 'job run completed',
        job: 'report',
        slot: '2024-05-02T09:01:00.000Z',
        result: 'succeeded',
        durationSeconds: 24,
        reason: 'every essential container exited 0',
      }),
    );
    view.functionLog('launch', JSON.stringify({ level: 'INFO', message: 'jobs config read' }));
    expect(lines.slice(1)).toEqual([
      '+  2.0s     launch: job launched — report (slot 09:01:00Z, 1 task)',
      '+  2.0s     launch: job skipped — report (a run is still going)',
      '+  2.0s     job-runs: job run completed — report (slot 09:01:00Z, succeeded in 24 s)',
    ]);
  });

  it('summarises the mailbox with its latency and points at ecs-ops mailbox', () => {
    const { lines, view } = setup();
    const report = REPORT;
    view.summary(report);
    expect(lines).toContain(
      '  mailbox: 3 messages about 2 incidents; ECS event → mailbox p50 1.2 s, max 4.0 s (wall clock)',
    );
    expect(lines.some((line) => line.startsWith('  npx ecs-ops mailbox '))).toBe(true);
    expect(lines).toContain(
      '  scaling: queue-worker → 4 → 3; first change 20.1 s (simulated) after the metric crossed its threshold (a CloudWatch alarm needs ≥ 60 s); 4 evaluations, 4–6 API calls each',
    );
    expect(lines).toContain(
      '  drain i-0abc (lifecycle): released, empty, 640 ms after its last task stopped, 3 tasks waited for, 2 API calls',
    );
    const empty = setup();
    empty.view.summary({
      ...report,
      alerts: { messages: 0, latencyMs: { p50: null, max: null }, perIncident: {}, pagesPerIncident: {} },
      scheduled: 2,
    });
    expect(empty.lines).toContain('  mailbox: 0 messages; 2 scheduled invocations');
  });

  it('says in the headline how many ECS events --loss loses, shows each lost one, and counts them at the end', () => {
    const headline = (chaos: number, loss: number | undefined) => {
      const { lines, view } = setup();
      const options = { speed: 2, chaos, seed: 7, clusters: ['prod'], dir: '.ecs-ops' };
      view.headline(
        { routes: [], schedules: [], topics: [] },
        loss === undefined ? options : { ...options, loss },
        [],
      );
      return lines.find((line) => line.startsWith('  clusters '));
    };
    expect(headline(0.1, 0.05)).toBe(
      '  clusters prod; time ×2; chaos on: 10% of events delivered twice, all out of order; 5% of ECS events lost: resync must heal them',
    );
    expect(headline(0, 0.005)).toBe(
      '  clusters prod; time ×2; chaos on: no event delivered twice, all in order; 0.5% of ECS events lost: resync must heal them',
    );
    expect(headline(0, undefined)).toBe(
      '  clusters prod; time ×2; chaos off: every event delivered once, in order',
    );
    expect(headline(0.1, 0)).not.toContain('lost');

    const { lines, view } = setup();
    view.headline(
      { routes: [], schedules: [], topics: [] },
      { speed: 2, chaos: 0, loss: 0.05, seed: 7, clusters: ['prod'], dir: '.ecs-ops' },
      [],
    );
    view.lost(START + 11_200, {
      detailType: 'ECS Task State Change',
      arn: 'arn:aws:ecs:us-east-1:000000000000:task/prod/69771490aabbccddeeff001122334455',
      version: 5,
      id: 'e-1',
    });
    view.lost(START + 12_000, {
      detailType: 'ECS Container Instance State Change',
      arn: 'arn:aws:ecs:us-east-1:000000000000:container-instance/prod/0fc487854ebd86def0011223344556677',
      version: 3,
      id: 'e-2',
    });
    expect(lines).toContain(
      '+ 11.2s   ↯ lost: the event for task 69771490 version 5 reached no rule; resync must heal it',
    );
    expect(lines).toContain(
      '+ 12.0s   ↯ lost: the event for container instance 0fc48785 version 3 reached no rule; resync must heal it',
    );
    view.summary({
      ...REPORT,
      bus: { ...REPORT.bus, lost: 2 },
      groundTruth: {
        tasks: 1,
        instances: 1,
        mismatches: ['task 69771490: store RUNNING, simulator STOPPED'],
      },
    });
    expect(lines).toContain(
      'Done after 45 simulated seconds: 10 events, 2 lost, 0 delivered twice, 2 invocations, 0 dead-lettered',
    );
    expect(lines).toContain(
      '  ✗ 1 resources differ from the simulator (2 ECS events were lost and resync did not heal them):',
    );

    // Without --loss the summary says nothing of losses.
    const off = setup();
    off.view.summary(REPORT);
    expect(off.lines).toContain(
      'Done after 45 simulated seconds: 10 events, 0 delivered twice, 2 invocations, 0 dead-lettered',
    );
  });
});

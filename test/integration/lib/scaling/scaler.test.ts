/**
 * The scale function's scaler through the real SDK clients against the local endpoint (issue 7): step scaling
 * on an SQS backlog per task moves the simulated service out step by step within the cooldown rules and back
 * in as the queue drains; every decision is journaled with its inputs and listed by `ecs-ops scaling`;
 * Application Auto Scaling's scalable target and native policies are respected; nothing scales on a missing
 * metric or a failed call; two concurrent evaluations change the desired count once.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { ScalingReport } from '../../../../lib/scaling/report.js';
import { createScaler } from '../../../../lib/scaling/scaler.js';
import { engines, freshStore, requireEngine } from '../../../support/engines.js';
import { clientConfig } from '../../../support/local-endpoint.js';
import {
  CLUSTER,
  MINUTE,
  QUEUE,
  SCALE_IN,
  SCALE_OUT,
  SERVICE,
  START,
  setup,
} from '../../../support/scaling-harness.js';

const TARGET = {
  ServiceNamespace: 'ecs',
  ResourceId: `service/${CLUSTER}/${SERVICE}`,
  ScalableDimension: 'ecs:service:DesiredCount',
} as const;

const summary = (report: ScalingReport) => `${report.policy}: ${report.action} ${report.reason}`;

describe.each(engines())('scaler on $name', (engine) => {
  if (!requireEngine(engine)) return;

  it('scales a backlog spike out step by step within the cooldown, and back in as the queue drains', async () => {
    // Prepare
    const h = await setup(await freshStore(engine), { out: SCALE_OUT, in: SCALE_IN });
    const scaler = h.scaler();
    const t0 = h.clock.now;
    const minute = async () => {
      h.advance(MINUTE);
      return scaler.evaluateAll();
    };
    const quiet = await scaler.evaluateAll();
    expect(quiet.map(summary)).toEqual(['out: ignore no-step', 'in: ignore at-min']);
    // The queue's URL is looked up once per scaler (a warm function), not per evaluation.
    expect(quiet.map((report) => report.apiCallsByAction['sqs:GetQueueUrl'])).toEqual([1, undefined]);

    // Act and assess: 30 jobs on 1 task is 30 per task, 20 over the threshold: the +2 step.
    await h.enqueue(30);
    const spike = await scaler.evaluateAll();
    expect(spike.map(summary)).toEqual(['out: scale scale-out', 'in: ignore no-step']);
    expect(spike[0]).toMatchObject({
      desired: 3,
      previousDesired: 1,
      running: 1,
      metricRaw: 30,
      metricValue: 30,
      metricRead: `ApproximateNumberOfMessages of ${QUEUE}: 30`,
      step: { interval: '[20, 50)', adjustment: 2 },
      adjustment: 2,
      applied: true,
      apiCalls: 6,
      apiCallsByAction: {
        'dynamodb:GetItem': 1,
        'ecs:DescribeServices': 1,
        'application-autoscaling:DescribeScalableTargets': 1,
        'sqs:GetQueueAttributes': 1,
        'dynamodb:PutItem': 1,
        'ecs:UpdateService': 1,
      },
    });
    expect(spike[0]?.explanation).toContain('1 +2 = 3; desired 1 → 3');
    expect(h.service()?.desiredCount).toBe(3);

    // A minute later, 300 jobs on 3 tasks is 100 per task: the +4 step counts from the chain's base of 1.
    await h.enqueue(270);
    const bigger = await minute();
    expect(bigger[0]).toMatchObject({ action: 'scale', running: 3, desired: 5, adjustment: 2, apiCalls: 6 });
    expect(bigger[0]?.explanation).toContain('1 +4 = 5; desired 3 → 5');

    // Within the cooldown the same step asks for nothing more.
    const held = await minute();
    expect(held.map(summary)).toEqual(['out: ignore within-cooldown', 'in: ignore no-step']);
    expect(held[0]).toMatchObject({ running: 5, desired: 5, applied: false });

    // The cooldown of the last scale-out (t0+1 min + 180 s) has ended: +4 from 5 running, capped at 6.
    h.advance(MINUTE);
    const capped = await minute();
    expect(capped[0]).toMatchObject({ action: 'scale', running: 5, desired: 6 });
    expect(capped[0]?.explanation).toContain('capped at the policy’s min/max 6');
    expect((await minute())[0]).toMatchObject({ action: 'ignore', reason: 'at-max', running: 6 });

    // The workers drain the queue: scale-in waits out the scale-out's cooldown, then one task per cooldown.
    h.work();
    const changes: [number, number | undefined, number | undefined][] = [];
    for (let i = 0; i < 20; i++) {
      const [, scaleIn] = await minute();
      if (scaleIn?.applied) {
        changes.push([(h.clock.now - t0) / MINUTE, scaleIn.previousDesired, scaleIn.desired]);
      }
    }
    expect(changes).toEqual([
      [7, 6, 5],
      [10, 5, 4],
      [13, 4, 3],
      [16, 3, 2],
      [19, 2, 1],
    ]);
    expect(h.service()).toMatchObject({ desiredCount: 1, runningCount: 1 });
    expect(h.requests()['ecs.UpdateService']).toBe(8);

    // Every decision is in the journal, with its inputs.
    const entries = await h.decisions();
    expect(entries).toHaveLength(2 * 26);
    const first = entries.find(
      (entry) => entry.at === new Date(t0).toISOString() && entry.id.startsWith('out#scale'),
    );
    expect(first).toMatchObject({
      kind: 'scaling',
      subject: `${CLUSTER}/${SERVICE}`,
      fields: {
        policy: 'out',
        action: 'scale',
        reason: 'scale-out',
        desired: 3,
        previousDesired: 1,
        running: 1,
        metricRaw: 30,
        metricRead: `ApproximateNumberOfMessages of ${QUEUE}: 30`,
        step: { interval: '[20, 50)', adjustment: 2 },
        adjustment: 2,
        applied: true,
        apiCalls: 6,
        inputs: { datapoints: [30], nativePolicies: [], activities: [] },
      },
    });

    // ... and in `ecs-ops scaling`, newest first.
    const { code, output } = await h.cli({ since: '1h' });
    expect(code).toBe(0);
    const lines = output.split('\n');
    expect(lines[0]).toBe(
      `Scaling decisions since ${START.slice(0, 10)} ${new Date(h.clock.now - 3_600_000).toISOString().slice(11, 19)} (52; times in UTC):`,
    );
    expect(lines[1]).toMatch(/^TIME\s+SERVICE\s+POLICY\s+ACTION\s+DESIRED\s+RUNNING\s+METRIC\s+WHY$/);
    expect(output).toContain('scale-out');
    expect(output).toContain('1 → 3');
    expect(output).toContain('ignore: within-cooldown');
    expect(output).toMatch(/100\/task \(300\)/);
    const listed = JSON.parse(
      (await h.cli({ service: SERVICE, limit: '3' }, true)).output,
    ) as ScalingReport[];
    expect(listed.map((decision) => decision.at)).toEqual([
      new Date(h.clock.now).toISOString(),
      new Date(h.clock.now).toISOString(),
      new Date(h.clock.now - MINUTE).toISOString(),
    ]);
    expect(JSON.parse((await h.cli({ service: `other/${SERVICE}` }, true)).output)).toEqual([]);
  });

  it('lets a registered scalable target’s max win over the policy’s', async () => {
    const h = await setup(await freshStore(engine), { out: SCALE_OUT });
    h.registry.registerScalableTarget({ ...TARGET, MinCapacity: 1, MaxCapacity: 2 });
    await h.enqueue(300);

    const [report] = await h.scaler().evaluateAll();

    expect(report).toMatchObject({
      action: 'scale',
      desired: 2,
      inputs: { scalableTarget: { maxCapacity: 2 } },
    });
    expect(report?.explanation).toContain('capped at the scalable target’s min/max 2');
    expect(h.service()?.desiredCount).toBe(2);
  });

  it('registers the service as a scalable target from the policy’s min/max when asked to', async () => {
    const h = await setup(await freshStore(engine), { out: { ...SCALE_OUT, registerScalableTarget: true } });

    const [report] = await h.scaler().evaluateAll();

    expect(report?.apiCallsByAction['application-autoscaling:RegisterScalableTarget']).toBe(1);
    expect(h.registry.describeScalableTargets({ ServiceNamespace: 'ecs' }).ScalableTargets).toMatchObject([
      { ...TARGET, MinCapacity: 1, MaxCapacity: 6 },
    ]);
    const [again] = await h.scaler().evaluateAll();
    expect(again?.apiCallsByAction['application-autoscaling:RegisterScalableTarget']).toBeUndefined();
  });

  it('refuses to fight a native Application Auto Scaling policy: nothing changes, and the journal says why', async () => {
    const h = await setup(await freshStore(engine), { out: SCALE_OUT });
    h.registry.registerScalableTarget({ ...TARGET, MinCapacity: 1, MaxCapacity: 10 });
    h.registry.putScalingPolicy({
      ...TARGET,
      PolicyName: 'cpu-steps',
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    });
    await h.enqueue(300);

    const [report] = await h.scaler().evaluateAll();

    expect(report).toMatchObject({ action: 'ignore', reason: 'native-policy', applied: false, desired: 1 });
    expect(report?.explanation).toContain('cpu-steps');
    expect(h.requests()['ecs.UpdateService']).toBeUndefined();
    expect(h.service()?.desiredCount).toBe(1);
    const [entry] = await h.decisions();
    expect(entry?.fields).toMatchObject({
      reason: 'native-policy',
      inputs: { nativePolicies: ['cpu-steps'] },
    });
  });

  it('holds on a missing or failing metric, and one failing policy never stops the others', async () => {
    const h = await setup(await freshStore(engine), {
      gone: { ...SCALE_OUT, metric: { sqs: { queue: 'no-such-queue' } } },
      quiet: {
        ...SCALE_OUT,
        metric: { cloudWatch: { namespace: 'Worker', name: 'Backlog', statistic: 'Maximum' } },
      },
      lost: { ...SCALE_OUT, cluster: 'nowhere' },
      retired: { ...SCALE_OUT, service: 'retired' },
      out: SCALE_OUT,
    });
    await h.enqueue(30);

    const reports = await h.scaler().evaluateAll();

    expect(reports.map(summary)).toEqual([
      'gone: ignore metric-missing',
      'quiet: ignore metric-missing',
      'lost: failed api-error',
      'retired: failed service-missing',
      'out: scale scale-out',
    ]);
    expect(reports[0]?.explanation).toMatch(/holding at 1 desired.*read failed \(QueueDoesNotExist/);
    expect(reports[1]?.metricRead).toBe(
      'Worker Backlog Maximum per 60 s: no datapoints in the last 3 periods',
    );
    expect(reports[2]?.explanation).toMatch(/^ecs:DescribeServices failed \(ClusterNotFoundException/);
    expect(h.requests()['ecs.UpdateService']).toBe(1);
    expect(h.service()?.desiredCount).toBe(3);
    expect(
      (await h.decisions()).map((entry) => `${entry.fields.policy}: ${entry.fields.reason}`).sort(),
    ).toEqual([
      'gone: metric-missing',
      'lost: api-error',
      'out: scale-out',
      'quiet: metric-missing',
      'retired: service-missing',
    ]);
  });

  it('reads a CloudWatch metric over its last periods, newest first', async () => {
    const metric = {
      namespace: 'Worker',
      name: 'Backlog',
      statistic: 'Maximum' as const,
      dimensions: { Queue: QUEUE },
    };
    const h = await setup(await freshStore(engine), {
      out: { ...SCALE_OUT, metric: { cloudWatch: metric } },
    });
    h.metrics.putMetricData({
      Namespace: 'Worker',
      MetricData: [
        {
          MetricName: 'Backlog',
          Dimensions: [{ Name: 'Queue', Value: QUEUE }],
          Timestamp: new Date(h.clock.now - 100_000),
          Value: 12,
        },
        {
          MetricName: 'Backlog',
          Dimensions: [{ Name: 'Queue', Value: QUEUE }],
          Timestamp: new Date(h.clock.now - 10_000),
          Value: 25,
        },
        // Older than three periods: not read.
        {
          MetricName: 'Backlog',
          Dimensions: [{ Name: 'Queue', Value: QUEUE }],
          Timestamp: new Date(h.clock.now - 400_000),
          Value: 900,
        },
      ],
    });

    const [report] = await h.scaler().evaluateAll();

    // Average of 25 and 12 is 18.5, 8.5 over the threshold of 10: the +1 step.
    expect(report).toMatchObject({
      action: 'scale',
      desired: 2,
      metricRaw: 18.5,
      inputs: { datapoints: [25, 12] },
      metricRead: 'Worker Backlog Maximum per 60 s: 25, 12 (newest first)',
      apiCallsByAction: { 'cloudwatch:GetMetricData': 1 },
    });
  });

  it('counts tasks of a group in a status from the reconciled state', async () => {
    const h = await setup(await freshStore(engine), {
      running: {
        ...SCALE_OUT,
        metric: { state: { group: `service:${SERVICE}`, status: 'RUNNING' } },
        threshold: 1,
        steps: [{ lower: 0, adjustment: 1 }],
      },
    });
    await h.reconcile();

    const [report] = await h.scaler().evaluateAll();

    expect(report).toMatchObject({
      action: 'scale',
      desired: 2,
      metricRead: `RUNNING tasks of ${CLUSTER}|service:${SERVICE}: 1`,
      apiCallsByAction: { 'dynamodb:Query': 1, 'dynamodb:BatchGetItem': 1 },
    });
  });

  it('gives a claim back when UpdateService fails, so the next evaluation scales', async () => {
    const h = await setup(await freshStore(engine), { out: SCALE_OUT });
    await h.enqueue(30);
    h.endpoint.faults = [{ service: 'ecs', operation: 'UpdateService', serverError: 1, times: 1 }];
    const scaler = h.scaler();

    const [failed] = await scaler.evaluateAll();

    expect(failed).toMatchObject({ action: 'failed', reason: 'update-failed', applied: false, desired: 1 });
    expect(failed?.explanation).toContain('but UpdateService failed');
    expect(h.service()?.desiredCount).toBe(1);
    expect((await h.scalingStore.get(CLUSTER, SERVICE)).activities).toEqual([]);
    const [retried] = await scaler.evaluateAll();
    expect(retried).toMatchObject({ action: 'scale', desired: 3 });
  });

  it('journals a claim lost to an evaluation that changed the service between read and claim', async () => {
    const h = await setup(await freshStore(engine), { out: SCALE_OUT });
    await h.enqueue(30);
    const winner = h.scaler();
    const ecs = new ECSClient({ ...clientConfig(h.endpoint.url), maxAttempts: 1 });
    // The loser's DescribeServices answers (desired 1), then the winner evaluates start to finish.
    const loser = createScaler({
      ...h.dependencies(),
      ecs: {
        send: async (command: Parameters<ECSClient['send']>[0]) => {
          const output = await ecs.send(command as DescribeServicesCommand);
          if (command instanceof DescribeServicesCommand) await winner.evaluate('out');
          return output;
        },
      } as Pick<ECSClient, 'send'>,
    });

    const lost = await loser.evaluate('out');

    expect(lost).toMatchObject({ action: 'ignore', reason: 'claimed-elsewhere', applied: false, desired: 1 });
    expect(lost.explanation).toContain('another evaluation changed worker');
    expect(h.requests()['ecs.UpdateService']).toBe(1);
    expect(h.service()?.desiredCount).toBe(3);
    expect((await h.decisions()).map((entry) => entry.id).sort()).toEqual([
      'out#ignore#claimed-elsewhere',
      'out#scale#scale-out',
    ]);
  });

  it('lets one of two concurrent evaluations change the desired count', async () => {
    const h = await setup(await freshStore(engine), { out: SCALE_OUT });
    await h.enqueue(30);

    const reports = await Promise.all([h.scaler().evaluate('out'), h.scaler().evaluate('out')]);

    expect(h.requests()['ecs.UpdateService']).toBe(1);
    expect(h.service()?.desiredCount).toBe(3);
    expect(reports.filter((report) => report.applied)).toHaveLength(1);
    const other = reports.find((report) => !report.applied);
    expect(other?.action).toBe('ignore');
    // Which reason the other one gives depends on when it read: during the claim, before the change showed in
    // the service, within its cooldown, or after it landed (the desired count is already the new one).
    expect(['claimed-elsewhere', 'change-in-flight', 'within-cooldown', 'no-change']).toContain(
      other?.reason,
    );
    expect((await h.scalingStore.get(CLUSTER, SERVICE)).activities).toHaveLength(1);
  });
});

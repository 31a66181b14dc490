import { describe, expect, it } from 'vitest';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  type EcsEvent,
  parseEcsEvent,
  parseEcsEventText,
  TASK_STATE_CHANGE,
} from '../../../../../lib/platform/events/ecs-event.js';
import { decodeDetail } from '../../../../../lib/platform/store/detail-codec.js';
import { historyItem, latestItem } from '../../../../../lib/platform/store/items.js';
import {
  demoStream,
  type Envelope,
  fixtureFiles,
  loadEvent,
  taskEvent,
} from '../../../../support/fixtures.js';

const RETENTION = { stoppedDays: 30, historyDays: 90 };

function parsed(input: unknown): EcsEvent {
  const result = typeof input === 'string' ? parseEcsEventText(input) : parseEcsEvent(input);
  if (!result.ok)
    throw new Error(`expected a valid event, got ${result.error.field}: ${result.error.reason}`);
  return result.event;
}

const storedDetail = (bytes: Uint8Array | undefined) => {
  if (bytes === undefined) throw new Error('the item has no detail');
  return decodeDetail(bytes);
};

describe('ECS event parsing', () => {
  const files = fixtureFiles('ecs');

  it('finds fixtures of both kinds under events/ecs', () => {
    expect(files.some((file) => file.startsWith('ecs/task/'))).toBe(true);
    expect(files.some((file) => file.startsWith('ecs/container-instance/'))).toBe(true);
  });

  it.each(files)('parses %s with its kind, ARN and version', (file) => {
    // Prepare
    const envelope = loadEvent(file);
    const isTask = file.startsWith('ecs/task/');

    // Act
    const event = parsed(JSON.stringify(envelope));

    // Assess
    expect(event.kind).toBe(isTask ? 'task' : 'instance');
    expect(envelope['detail-type']).toBe(isTask ? TASK_STATE_CHANGE : CONTAINER_INSTANCE_STATE_CHANGE);
    expect(event.arn).toBe(isTask ? envelope.detail.taskArn : envelope.detail.containerInstanceArn);
    expect(event.arn).toBe(envelope.resources[0]);
    expect(event.version).toBe(envelope.detail.version);
    expect(event.id).toBe(envelope.id);
    expect(event.time).toBe(envelope.time);
    expect(event.raw).toEqual(envelope);
  });

  it('parses every line of the demo stream', () => {
    // Prepare
    const lines = demoStream();

    // Act
    const results = lines.map((line) => parseEcsEventText(line));

    // Assess
    expect(lines).toHaveLength(41);
    expect(results.filter((result) => !result.ok)).toEqual([]);
  });

  describe('says where a state comes from', () => {
    it('takes an aws.ecs event as ECS’s own, and an ecs-ops.resync one as a state resync read', () => {
      const fromEcs = parseEcsEvent(loadEvent('ecs/task/fargate-running.json'));
      const fromResync = parseEcsEvent({
        ...loadEvent('ecs/task/fargate-running.json'),
        source: 'ecs-ops.resync',
      });

      expect(fromEcs.ok && fromEcs.event.origin).toBe('event');
      expect(fromResync.ok && fromResync.event.origin).toBe('resync');
    });

    it('names both sources it takes when an ECS state change claims another one', () => {
      const result = parseEcsEvent({ ...loadEvent('ecs/task/fargate-running.json'), source: 'my.app' });

      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.field).toBe('source');
        expect(result.error.reason).toContain('"aws.ecs" (or "ecs-ops.resync"');
      }
    });
  });

  describe('keeps unknown fields', () => {
    const withFutureFields = (): Envelope => {
      const envelope = loadEvent('ecs/task/fargate-running.json');
      envelope.futureField = { x: 1 };
      envelope.detail.futureField = { x: 1 };
      (envelope.detail.containers as Record<string, unknown>[])[0] = {
        ...(envelope.detail.containers as Record<string, unknown>[])[0],
        futureContainerField: ['a', 'b'],
      };
      return envelope;
    };

    it('in the raw envelope, at the top level and in the detail', () => {
      // Prepare
      const envelope = withFutureFields();

      // Act
      const event = parsed(JSON.stringify(envelope));

      // Assess
      expect(event.raw).toEqual(envelope);
      expect(event.raw).toHaveProperty('futureField', { x: 1 });
      expect(event.raw).toHaveProperty('detail.futureField', { x: 1 });
    });

    it('in the validated detail, including inside containers', () => {
      // Prepare
      const envelope = withFutureFields();

      // Act
      const event = parsed(envelope);

      // Assess
      expect(event.detail).toHaveProperty('futureField', { x: 1 });
      expect(event.detail).toEqual(envelope.detail);
    });

    it('in the stored detail of the latest and history items, which round-trips exactly', () => {
      // Prepare
      const envelope = withFutureFields();
      const event = parsed(JSON.stringify(envelope));

      // Act
      const latest = storedDetail(latestItem(event, RETENTION).detail?.B);
      const history = storedDetail(historyItem(event, RETENTION).detail?.B);

      // Assess
      expect(latest).toEqual(envelope.detail);
      expect(history).toEqual(envelope.detail);
      expect(latest).toHaveProperty('futureField', { x: 1 });
    });
  });

  describe('launch types', () => {
    it('parses a Fargate task, which has no container instance', () => {
      // Prepare
      const envelope = loadEvent('ecs/task/fargate-running.json');

      // Act
      const event = parsed(envelope);

      // Assess
      expect(event.kind).toBe('task');
      if (event.kind !== 'task') return;
      expect(event.detail.launchType).toBe('FARGATE');
      expect(event.detail.containerInstanceArn).toBeUndefined();
      expect(event.detail.containers?.map((container) => container.name)).toEqual(['web', 'log-router']);
    });

    it('parses an EC2 task placed on a container instance', () => {
      // Prepare
      const envelope = loadEvent('ecs/task/ec2-running.json');

      // Act
      const event = parsed(envelope);

      // Assess
      expect(event.kind).toBe('task');
      if (event.kind !== 'task') return;
      expect(event.detail.launchType).toBe('EC2');
      expect(event.detail.containerInstanceArn).toMatch(/:container-instance\/prod\/[0-9a-f]{32}$/);
    });

    it('parses an EC2 container instance with its EC2 instance id', () => {
      // Prepare
      const envelope = loadEvent('ecs/container-instance/ec2-active.json');

      // Act
      const event = parsed(envelope);

      // Assess
      expect(event.kind).toBe('instance');
      if (event.kind !== 'instance') return;
      expect(event.detail.status).toBe('ACTIVE');
      expect(event.detail.ec2InstanceId).toBe('i-0abc123def4567890');
    });

    it('parses the short-format ARNs of the 2016 documentation samples', () => {
      // Act
      const task = parsed(loadEvent('ecs/task/seed-sample.json'));
      const instance = parsed(loadEvent('ecs/container-instance/seed-sample.json'));

      // Assess
      expect(task.arn).toBe('arn:aws:ecs:us-east-1:111122223333:task/b99d40b3-5176-4f71-9a52-9dbd6f1cebef');
      expect(instance.arn).toBe(
        'arn:aws:ecs:us-east-1:111122223333:container-instance/b54a2a04-046f-4331-9d74-3f6d7f6ca315',
      );
    });
  });

  describe('task lifecycle', () => {
    const states = [
      ['PROVISIONING', 'fargate-provisioning.json', 1],
      ['PENDING', 'fargate-pending.json', 2],
      ['ACTIVATING', 'fargate-activating.json', 3],
      ['RUNNING', 'fargate-running.json', 4],
      ['DEACTIVATING', 'fargate-deactivating.json', 6],
      ['STOPPING', 'fargate-stopping.json', 7],
      ['DEPROVISIONING', 'fargate-deprovisioning.json', 8],
      ['STOPPED', 'fargate-stopped.json', 9],
    ] as const;

    it.each(states)('parses the fixture of a task in %s', (status, file, version) => {
      // Act
      const event = parsed(loadEvent(`ecs/task/${file}`));

      // Assess
      expect(event.kind).toBe('task');
      if (event.kind !== 'task') return;
      expect(event.detail.lastStatus).toBe(status);
      expect(event.version).toBe(version);
    });

    it.each(states)('parses a built task event in %s', (status) => {
      // Prepare
      const envelope = taskEvent({ id: `lifecycle-${status}`, lastStatus: status, version: 100 });

      // Act
      const event = parsed(JSON.stringify(envelope));

      // Assess
      expect(event.kind === 'task' && event.detail.lastStatus).toBe(status);
      expect(event.arn).toBe(envelope.detail.taskArn);
    });

    it('orders the Fargate fixtures of one task by version, one state after another', () => {
      // Prepare
      const events = states.map(([, file]) => parsed(loadEvent(`ecs/task/${file}`)));

      // Assess
      expect(new Set(events.map((event) => event.arn)).size).toBe(1);
      const versions = events.map((event) => event.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    });
  });

  describe('rejects bad input with the field at fault', () => {
    const fargate = () => loadEvent('ecs/task/fargate-running.json');
    const cases: { name: string; input: () => unknown; field: string; reason: RegExp }[] = [
      { name: 'a JSON array', input: () => [], field: '(body)', reason: /EventBridge event object/ },
      { name: 'a string', input: () => 'hello', field: '(body)', reason: /EventBridge event object/ },
      {
        name: 'another source',
        input: () => ({ ...fargate(), source: 'aws.ec2' }),
        field: 'source',
        reason: /"aws\.ecs"/,
      },
      {
        name: 'an ARN of another service',
        input: () => {
          const envelope = fargate();
          envelope.detail.taskArn = 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc';
          return envelope;
        },
        field: 'detail.taskArn',
        reason: /ECS task ARN/,
      },
      {
        name: 'a fractional version',
        input: () => {
          const envelope = fargate();
          envelope.detail.version = 1.5;
          return envelope;
        },
        field: 'detail.version',
        reason: /whole number/,
      },
      {
        name: 'a version beyond the safe integers',
        input: () => {
          const envelope = fargate();
          envelope.detail.version = 2 ** 60;
          return envelope;
        },
        field: 'detail.version',
        reason: /at most 9007199254740991/,
      },
      {
        name: 'a container without a name',
        input: () => {
          const envelope = fargate();
          (envelope.detail.containers as Record<string, unknown>[])[1] = { lastStatus: 'RUNNING' };
          return envelope;
        },
        field: 'detail.containers.1.name',
        reason: /missing; expected the container name/,
      },
    ];

    it.each(cases)('rejects $name', ({ input, field, reason }) => {
      // Act
      const result = parseEcsEvent(input());

      // Assess
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.field).toBe(field);
      expect(result.error.reason).toMatch(reason);
    });

    it('rejects text that is not JSON, saying so', () => {
      // Act
      const result = parseEcsEventText('{"source": "aws.ecs",');

      // Assess
      expect(result).toMatchObject({
        ok: false,
        error: { field: '(body)', reason: expect.stringMatching(/^not JSON/) },
      });
    });
  });
});

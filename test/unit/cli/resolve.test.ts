/**
 * How `task` and `instance` read an id as people paste it: ARNs of both formats, whole ids, the 8-character
 * ids tables show, EC2 instance ids (→ the container instance, saying so); nothing guessed — too short, no
 * match, several matches and the wrong kind are refused with what to do instead.
 */
import { describe, expect, it } from 'vitest';
import { ambiguity, parseTarget, resolveTarget } from '../../../cli/commands/resolve.js';
import type { Show } from '../../../cli/list.js';
import { UsageError } from '../../../cli/usage.js';
import { resourceKey } from '../../../lib/platform/arn.js';
import type { StoredResource } from '../../../lib/platform/store/state-store.js';

const ACCOUNT = 'arn:aws:ecs:us-east-1:111122223333';
const TASK_ID = 'abcdef0123456789abcdef0123456789';
const TWIN_ID = 'abcdef01ffffffffffffffffffffffff';
const INSTANCE_ID = '1c462d635d829a53fd63170b903eab65';
const OTHER_INSTANCE_ID = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const EC2 = 'i-0123456789abcdef0';

const show: Show = {
  time: (value) =>
    String(value ?? '')
      .slice(0, 19)
      .replace('T', ' '),
  zone: 'UTC',
};

const task = (id: string, lastStatus = 'RUNNING'): StoredResource => ({
  arn: `${ACCOUNT}:task/prod/${id}`,
  kind: 'task',
  version: 2,
  eventTime: '2024-05-01T12:00:00.000Z',
  source: 'event',
  detail: {
    taskArn: `${ACCOUNT}:task/prod/${id}`,
    clusterArn: `${ACCOUNT}:cluster/prod`,
    lastStatus,
    createdAt: '2024-05-01T11:59:00.000Z',
  },
  trimmedFields: [],
});

const instance = (id: string, status = 'ACTIVE'): StoredResource => ({
  arn: `${ACCOUNT}:container-instance/prod/${id}`,
  kind: 'instance',
  version: 4,
  eventTime: '2024-05-01T10:00:00.000Z',
  source: 'event',
  detail: {
    containerInstanceArn: `${ACCOUNT}:container-instance/prod/${id}`,
    clusterArn: `${ACCOUNT}:cluster/prod`,
    ec2InstanceId: EC2,
    status,
    registeredAt: '2024-05-01T09:00:00.000Z',
  },
  trimmedFields: [],
});

/** A store holding `resources`, answering as StateStore does (by key, by id, by prefix, by EC2 instance). */
function storeOf(resources: readonly StoredResource[]) {
  const id = (resource: StoredResource) => resource.arn.slice(resource.arn.lastIndexOf('/') + 1);
  return {
    getLatest: async (arn: string) => resources.find((r) => resourceKey(r.arn) === resourceKey(arn)),
    findById: async (value: string) => resources.filter((r) => id(r) === value),
    findByIdPrefix: async (prefix: string) => {
      if (prefix.length < 8) throw new Error('the store refuses a prefix under 8 characters');
      return resources.filter((r) => id(r).startsWith(prefix));
    },
    instancesOnEc2: async (ec2: string) =>
      resources.filter((r) => r.kind === 'instance' && r.detail.ec2InstanceId === ec2),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
}

describe('parseTarget', () => {
  it.each([
    [`${ACCOUNT}:task/prod/${TASK_ID}`, { form: 'arn', type: 'task' }],
    [`${ACCOUNT}:task/${TASK_ID}`, { form: 'arn', type: 'task' }],
    [`${ACCOUNT}:container-instance/prod/${INSTANCE_ID}`, { form: 'arn', type: 'container-instance' }],
    [`${ACCOUNT}:container-instance/${INSTANCE_ID}`, { form: 'arn', type: 'container-instance' }],
    [EC2, { form: 'ec2', ec2InstanceId: EC2 }],
    ['i-0123abcd', { form: 'ec2', ec2InstanceId: 'i-0123abcd' }],
    ['abcdef01', { form: 'id', id: 'abcdef01' }],
    [TASK_ID, { form: 'id', id: TASK_ID }],
    [`  ${TASK_ID}\n`, { form: 'id', id: TASK_ID }],
    [`"${TASK_ID}"`, { form: 'id', id: TASK_ID }],
    [`prod/${TASK_ID}`, { form: 'id', id: TASK_ID }],
  ])('reads %j', (raw, expected) => {
    expect(parseTarget(raw)).toMatchObject(expected);
  });

  it.each([
    ['abcdef0', 'abcdef0 is 7 characters: give at least 8 characters of the id (as tables show it)'],
    ['a', 'a is 1 character: give at least 8'],
    ['i-123', 'i-123 is no EC2 instance id: expected i- and 8 or 17 hexadecimal digits'],
    [`${ACCOUNT}:service/prod/web`, 'is an ARN of ecs service; expected a task or container instance ARN'],
    ['arn:aws:lambda:us-east-1:111122223333:function:x', 'is an ARN of lambda function:x'],
    ['', 'expected a task or container instance ARN'],
    ['abc def01234', 'expected a task or container instance ARN'],
  ])('refuses %j', (raw, message) => {
    expect(() => parseTarget(raw)).toThrow(UsageError);
    expect(() => parseTarget(raw)).toThrow(message);
  });

  it('refuses a task ARN where a container instance is wanted, naming the command that shows it', () => {
    expect(() => parseTarget(`${ACCOUNT}:task/prod/${TASK_ID}`, 'instance')).toThrow(
      `is a task; ecs-ops task ${TASK_ID} shows it`,
    );
  });
});

describe('resolveTarget', () => {
  const store = storeOf([task(TASK_ID), task(TWIN_ID, 'STOPPED'), instance(INSTANCE_ID)]);

  it('finds a whole id, an ARN of either format, without a note', async () => {
    for (const raw of [TASK_ID, `${ACCOUNT}:task/prod/${TASK_ID}`, `${ACCOUNT}:task/${TASK_ID}`]) {
      const { resource, note } = await resolveTarget(store, raw, 'any', show);
      expect(resource.arn).toBe(`${ACCOUNT}:task/prod/${TASK_ID}`);
      expect(note).toBeUndefined();
    }
  });

  it('finds a unique prefix and says which id it is', async () => {
    const { resource, note } = await resolveTarget(store, 'abcdef0123', 'any', show);
    expect(resource.arn).toContain(TASK_ID);
    expect(note).toBe(`abcdef0123 is task ${TASK_ID}`);
  });

  it('refuses an ambiguous prefix, listing each candidate: id, kind, cluster, status, created', async () => {
    const message = await refusal(resolveTarget(store, 'abcdef01', 'any', show));
    const lines = message.split('\n');
    expect(lines[0]).toBe(
      'id abcdef01 matches 2 stored resources; give more of the id, or the ARN (times in UTC):',
    );
    expect(lines[1]).toMatch(/^ {2}ID +KIND +CLUSTER +STATUS +CREATED$/);
    expect(lines[2]).toMatch(new RegExp(`^  ${TASK_ID} +task +prod +RUNNING +2024-05-01 11:59:00$`));
    expect(lines[3]).toMatch(new RegExp(`^  ${TWIN_ID} +task +prod +STOPPED +2024-05-01 11:59:00$`));
  });

  it('refuses a prefix shorter than 8 characters before reading the store', async () => {
    expect(await refusal(resolveTarget(store, 'abcdef', 'any', show))).toContain(
      'give at least 8 characters of the id',
    );
  });

  it('says when nothing is stored under an id or an ARN', async () => {
    expect(await refusal(resolveTarget(store, '00000000', 'any', show))).toBe(
      'no task or container instance with id 00000000 is stored',
    );
    expect(await refusal(resolveTarget(store, '00000000', 'instance', show))).toBe(
      'no container instance with id 00000000 is stored',
    );
    expect(await refusal(resolveTarget(store, `${ACCOUNT}:task/prod/${'0'.repeat(32)}`, 'any', show))).toBe(
      `nothing is stored for ${ACCOUNT}:task/prod/${'0'.repeat(32)}`,
    );
  });

  it('resolves an EC2 instance id to its container instance, and says so', async () => {
    const { resource, note } = await resolveTarget(store, EC2, 'instance', show);
    expect(resource.arn).toContain(INSTANCE_ID);
    expect(note).toBe(`${EC2} is the EC2 instance of container instance ${INSTANCE_ID} (cluster prod)`);
  });

  it('refuses an EC2 instance with several container instances, listing them', async () => {
    const twice = storeOf([instance(INSTANCE_ID, 'INACTIVE'), instance(OTHER_INSTANCE_ID)]);
    const message = await refusal(resolveTarget(twice, EC2, 'any', show));
    expect(message).toContain(`EC2 instance ${EC2} has 2 container instances; give the id or ARN`);
    expect(message).toMatch(
      new RegExp(`${INSTANCE_ID} +container instance +prod +INACTIVE +2024-05-01 09:00:00`),
    );
    expect(message).toContain(OTHER_INSTANCE_ID);
    expect(await refusal(resolveTarget(storeOf([]), EC2, 'any', show))).toBe(
      `no container instance registered for EC2 instance ${EC2} is stored`,
    );
  });

  it('keeps container instances only for `instance`, and says when the id is a task', async () => {
    const { resource } = await resolveTarget(store, INSTANCE_ID.slice(0, 8), 'instance', show);
    expect(resource.kind).toBe('instance');
    expect(await refusal(resolveTarget(store, TASK_ID, 'instance', show))).toBe(
      `${TASK_ID} is a task, not a container instance; ecs-ops task ${TASK_ID} shows it`,
    );
  });
});

describe('ambiguity', () => {
  it('shows a resource resync found gone with its last status and when', () => {
    const gone = { ...task(TASK_ID), missingSince: '2024-05-01T13:00:00.000Z' };
    expect(ambiguity('id x matches 2', 'give more', [gone], show)).toContain(
      'RUNNING (missing since 2024-05-01 13:00:00)',
    );
  });
});

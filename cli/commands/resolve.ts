/**
 * Ids the way people paste them, resolved to one stored task or container instance (`ecs-ops task`, `ecs-ops
 * instance`):
 * - an ARN, either format (`…:task/<id>`, `…:task/<cluster>/<id>`, the same for `container-instance`);
 * - a whole id, or the first characters of one as tables show it (at least SHORT_ID_LENGTH = 8): one Query of
 *   the byShortId index;
 * - an EC2 instance id (`i-…`): the container instance registered for it, and the answer says so.
 * Nothing is guessed: a prefix that names several resources, or an EC2 instance with several registrations, is
 * refused (exit 2) listing the candidates (id, cluster, status, created), as is a prefix shorter than 8.
 */
import { clusterName, parseArn, resourceId } from '../../lib/platform/arn.js';
import type { StateStore, StoredResource } from '../../lib/platform/store/state-store.js';
import { SHORT_ID_LENGTH } from '../../lib/platform/store/table.js';
import { renderTable, text } from '../format.js';
import type { Show } from '../list.js';
import { UsageError } from '../usage.js';
import { statusOf } from './resources.js';

/** What a target names, before the store is read. */
export type Target =
  | { form: 'arn'; arn: string; type: 'task' | 'container-instance' }
  | { form: 'ec2'; ec2InstanceId: string }
  | { form: 'id'; id: string };

/** Which resources a command shows: `task` shows either kind, `instance` container instances only. */
export type Wanted = 'any' | 'instance';

export interface Resolved {
  resource: StoredResource;
  /** How the target was read, when it was not the resource's own id or ARN: "i-0abc… is the EC2 instance of …". */
  note?: string;
}

const EC2_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const FORMS =
  'a task or container instance ARN, its id, the first 8 or more characters of its id (as tables show ' +
  'it), or an EC2 instance id (i-0123456789abcdef0)';

/** Reads a target as typed or pasted (surrounding spaces and quotes dropped); refuses one that is none of the forms. */
export function parseTarget(raw: string, wanted: Wanted = 'any'): Target {
  const value = raw.trim().replace(/^["'<]+|["'>]+$/g, '');
  if (value === '') throw new UsageError(`expected ${FORMS}`);
  if (value.startsWith('arn:')) {
    const arn = parseArn(value);
    const type = arn?.resource.slice(0, arn.resource.indexOf('/'));
    const parts = arn?.resource.split('/') ?? [];
    if (
      arn === undefined ||
      arn.service !== 'ecs' ||
      (type !== 'task' && type !== 'container-instance') ||
      parts.length < 2 ||
      parts.length > 3 ||
      parts.some((part) => part === '')
    ) {
      const what =
        arn === undefined ? 'not an ARN' : `an ARN of ${arn.service} ${arn.resource.split('/')[0]}`;
      throw new UsageError(`${value} is ${what}; expected ${FORMS}`);
    }
    if (wanted === 'instance' && type === 'task')
      throw new UsageError(`${value} is a task; ecs-ops task ${resourceId(value)} shows it`);
    return { form: 'arn', arn: value, type };
  }
  if (/^i-/i.test(value)) {
    if (!EC2_ID.test(value))
      throw new UsageError(
        `${value} is no EC2 instance id: expected i- and 8 or 17 hexadecimal digits (i-0123456789abcdef0)`,
      );
    return { form: 'ec2', ec2InstanceId: value };
  }
  // `task/<id>` or `prod/<id>`, as ARNs end: the id is the last part.
  const id = resourceId(value);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(id)) throw new UsageError(`${value}: expected ${FORMS}`);
  if (id.length < SHORT_ID_LENGTH)
    throw new UsageError(
      `${id} is ${id.length} character${id.length === 1 ? '' : 's'}: give at least ${SHORT_ID_LENGTH} ` +
        'characters of the id (as tables show it), the whole id, or the ARN',
    );
  return { form: 'id', id };
}

/** The one stored resource `raw` names, or a UsageError saying why there is none, or which ones it could be. */
export async function resolveTarget(
  store: Pick<StateStore, 'getLatest' | 'findById' | 'findByIdPrefix' | 'instancesOnEc2'>,
  raw: string,
  wanted: Wanted,
  show: Show,
): Promise<Resolved> {
  const target = parseTarget(raw, wanted);
  const kindWord = wanted === 'instance' ? 'container instance' : 'task or container instance';
  switch (target.form) {
    case 'arn': {
      const resource = await store.getLatest(target.arn);
      if (resource === undefined) throw new UsageError(`nothing is stored for ${target.arn}`);
      return { resource };
    }
    case 'ec2': {
      const found = await store.instancesOnEc2(target.ec2InstanceId);
      if (found.length === 0)
        throw new UsageError(
          `no container instance registered for EC2 instance ${target.ec2InstanceId} is stored`,
        );
      if (found.length > 1)
        throw new UsageError(
          ambiguity(
            `EC2 instance ${target.ec2InstanceId} has ${found.length} container instances`,
            'give the id or ARN of the one you mean',
            found,
            show,
          ),
        );
      const resource = found[0] as StoredResource;
      return {
        resource,
        note: `${target.ec2InstanceId} is the EC2 instance of container instance ${resourceId(resource.arn)} (cluster ${clusterName(text(resource.detail.clusterArn))})`,
      };
    }
    case 'id': {
      // A whole id is one read of each kind; only then is it looked up as a prefix.
      const exact = await store.findById(target.id);
      const all = exact.length > 0 ? exact : await store.findByIdPrefix(target.id);
      const found = keep(all, wanted);
      if (found.length === 0) {
        const [task] = all;
        throw new UsageError(
          task === undefined
            ? `no ${kindWord} with id ${target.id} is stored`
            : `${target.id} is a task, not a container instance; ecs-ops task ${resourceId(task.arn)} shows it`,
        );
      }
      if (found.length > 1)
        throw new UsageError(
          ambiguity(
            `id ${target.id} matches ${found.length} stored resources`,
            'give more of the id, or the ARN',
            found,
            show,
          ),
        );
      const resource = found[0] as StoredResource;
      const whole = resourceId(resource.arn);
      return whole === target.id
        ? { resource }
        : { resource, note: `${target.id} is ${kindOf(resource)} ${whole}` };
    }
  }
}

const keep = (found: StoredResource[], wanted: Wanted) =>
  wanted === 'instance' ? found.filter((resource) => resource.kind === 'instance') : found;

const kindOf = (resource: StoredResource) => (resource.kind === 'task' ? 'task' : 'container instance');

/** "id 0123abcd matches 2 stored resources; give more of the id, or the ARN:" and a table of the candidates. */
export function ambiguity(
  what: string,
  hint: string,
  candidates: readonly StoredResource[],
  show: Show,
): string {
  const table = renderTable(
    ['ID', 'KIND', 'CLUSTER', 'STATUS', 'CREATED'],
    candidates.map((resource) => [
      resourceId(resource.arn),
      kindOf(resource),
      clusterName(text(resource.detail.clusterArn)),
      statusOf(resource, show),
      show.time(resource.kind === 'task' ? resource.detail.createdAt : resource.detail.registeredAt),
    ]),
  );
  const zone = show.zone === undefined ? '' : ` (times in ${show.zone})`;
  return `${what}; ${hint}${zone}:\n${table
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}`;
}

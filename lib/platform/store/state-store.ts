/**
 * The DynamoDB adapter for ECS state: version-guarded latest state, idempotent timelines, and the queries of
 * the access patterns the README's data model lists (every one a GetItem, a Query, or a BatchGetItem of what a Query listed).
 *
 * Two kinds of listing. The first ones (tasksByStatus, tasksByGroup, …) take ListOptions: a window on each index's
 * own time, `until` included. The windowed task queries (stoppedTasks, tasksInWindow) answer what an audit asks —
 * which tasks stopped, or ran, in [since, until), `until` excluded — and say when a limit cut the list.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { resourceKey } from '../arn.js';
import { dynamoDbClient } from '../aws/dynamodb-client.js';
import { InvalidInputError, itemRefusal } from '../errors.js';
import { INSTANCE_STATUSES, isLiveStatus, type StateOrigin } from '../events/statuses.js';
import type { VersionVerdict } from '../version-rule.js';
import { decodeDetail } from './detail-codec.js';
import type { Item } from './items.js';
import {
  checkLimit,
  comesBefore,
  decodePosition,
  encodePosition,
  type IndexEntry,
  inListingOrder,
  isoBound,
  mergeInOrder,
} from './listing.js';
import {
  ec2HostKey,
  FINAL_BUCKET,
  groupKey,
  HISTORY_ENTRY_PREFIX,
  INDEX,
  type IndexName,
  KEY,
  kindOfKey,
  LIVE_TASKS,
  latestKey,
  OTHER_INSTANCE_STATUSES,
  RESOURCE_TYPES,
  SHORT_ID_LENGTH,
  STOPPED_TASKS,
  shortIdKey,
  statusKey,
  stoppedGroupKey,
  taskStatusBucket,
  taskStatusKeys,
} from './table.js';
import {
  backoff,
  batchGetAll,
  conditionalWrite,
  queryAll,
  queryItems,
  UNPROCESSED_RETRIES,
} from './table-io.js';
import { expiryAttribute } from './ttl.js';

export interface StateStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

/** One stored version of a task or container instance, its detail decoded. */
export interface StoredResource {
  arn: string;
  kind: 'task' | 'instance';
  version: number;
  /** The EventBridge event id (timeline entries only). */
  eventId?: string;
  /** When the event was sent, or when resync read the state from the ECS API. */
  eventTime: string;
  /** Who reported this version: ECS's event, or resync reading the ECS API. */
  source: StateOrigin;
  /** Set when resync found that ECS no longer knows the resource: when it noticed (latest state only). */
  missingSince?: string;
  detail: Record<string, unknown>;
  /** Detail fields dropped to fit DynamoDB's 400 KB item limit (normally empty). */
  trimmedFields: string[];
}

export interface ListOptions {
  /** Only resources whose index time is at or after this ISO time. */
  since?: string;
  /** Only resources whose index time is at or before this ISO time. */
  until?: string;
  limit?: number;
}

/** tasksByGroup: the group's tasks by creation time, live and stopped (the default) or only one of them. */
export interface GroupListOptions extends ListOptions {
  /**
   * `live`: tasks not STOPPED (one Query of the group's live bucket: what a count of running tasks needs);
   * `stopped`: STOPPED tasks only. Both by default.
   */
  only?: 'live' | 'stopped';
}

/**
 * A window [since, until) for the windowed task queries: `since` included, `until` excluded, either open; ISO
 * times, compared as times whatever their format.
 */
export interface WindowOptions {
  since?: string;
  until?: string;
  /**
   * Only the tasks of this group (`service:web`, `family:report`) or of any of these groups: read from the
   * groups' own partitions, merged newest first. An empty list is no filter (as no --group is).
   */
  group?: string | readonly string[];
  /** At most this many (≥ 1); the page's `more` says whether others match too. */
  limit?: number;
  /** A page's `nextToken`, to read on where it stopped (with the same query; another one's token is refused). */
  nextToken?: string;
}

export interface TaskWindowOptions extends WindowOptions {
  /**
   * Only tasks in these last statuses (STOPPED included: a task resync marked missing counts as STOPPED). An
   * empty list is no filter (as no --status is).
   */
  statuses?: readonly string[];
}

/** A list that a limit may have cut. */
export interface ResourcePage {
  resources: StoredResource[];
  /** True when more resources match than the limit let through: the list is cut. */
  more: boolean;
  /** Set when `more`: pass it as `nextToken` to the same query for the next page. */
  nextToken?: string;
}

/** What resync compares with ECS: a resource's latest version and whether the store holds it as live. */
export interface CurrentState {
  version: number;
  /** A task not STOPPED, a container instance not INACTIVE, and not marked missing. */
  live: boolean;
  missing: boolean;
  statusKey?: string;
  /** A task's byGroup partition (tasks with a group), moved to the group's STOPPED bucket with statusKey. */
  groupKey?: string;
}

/** A timeline item DynamoDB did not store, and why. */
export interface UnwrittenItem {
  item: Item;
  reason: string;
  /** Set when DynamoDB refused the item itself for its content: writing it again cannot succeed. */
  refused?: InvalidInputError;
}

const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;

/** One part of a windowed listing: index partitions, the window on their index time, and a check on each task. */
interface WindowPart {
  index: 'byStatus' | 'byGroup';
  partitions: string[];
  since?: string | undefined;
  /** Excluded. */
  until?: string | undefined;
  keep?: (task: StoredResource) => boolean;
}

export class StateStore {
  readonly tableName: string;
  readonly client: DynamoDBClient;

  constructor({ tableName, client }: StateStoreOptions) {
    this.tableName = tableName;
    this.client = client ?? dynamoDbClient();
  }

  /**
   * Stores `item` as the latest state unless the stored version is equal or higher: one conditional write
   * decides, so concurrent writers cannot lose the newest version. An item DynamoDB refuses for its content
   * throws an InvalidInputError (see `itemRefusal`); any other error is thrown as it is.
   */
  async putLatest(item: Item): Promise<VersionVerdict> {
    const put = await conditionalWrite(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key) OR #version < :version',
          ExpressionAttributeNames: { '#key': KEY.partition, '#version': 'version' },
          ExpressionAttributeValues: { ':version': item.version as AttributeValue },
          // The refusing item comes back with the error, so telling duplicate from stale costs no read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    ).catch((error: unknown) => {
      throw itemRefusal(error) ?? error;
    });
    if (put.written) return 'accepted';
    return put.refusing?.version?.N === item.version?.N ? 'duplicate' : 'stale';
  }

  /**
   * Writes timeline items (distinct keys) in batches; returns the ones that are not stored — still unprocessed
   * after retries, or in a request that failed — so the caller can have exactly their events redelivered.
   */
  async putHistory(items: readonly Item[]): Promise<UnwrittenItem[]> {
    const chunks: Item[][] = [];
    for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT)
      chunks.push(items.slice(i, i + BATCH_WRITE_LIMIT));
    const unwritten = await Promise.all(
      chunks.map((chunk) =>
        this.writeChunk(chunk).catch((error: Error) => chunk.map((item) => unwrittenBecause(item, error))),
      ),
    );
    return unwritten.flat();
  }

  /**
   * Writes a timeline item unless its version is already in the timeline: a version resync read never replaces
   * the one its event stored. True when written.
   */
  async putHistoryIfAbsent(item: Item): Promise<boolean> {
    const put = await conditionalWrite(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': KEY.partition },
        }),
      ),
    ).catch((error: unknown) => {
      throw itemRefusal(error) ?? error;
    });
    return put.written;
  }

  /**
   * Marks a live resource that ECS no longer knows: it keeps its last status, detail and timeline, gains
   * `resync: missing` and the time it was noticed, and moves to its kind's final bucket (a task lists as
   * STOPPED, in its group too, stopped at the time it was noticed; a container instance as INACTIVE) with the
   * retention of finished resources. Only if it is still at `version` and unmarked: an event that arrived since
   * wins. True when marked.
   */
  async markMissing(
    key: string,
    state: Pick<CurrentState, 'version' | 'statusKey' | 'groupKey'>,
    noticedAt: string,
    stoppedDays: number,
  ): Promise<boolean> {
    const kind = kindOfKey(key);
    const values: Record<string, AttributeValue> = {
      ':version': { N: String(state.version) },
      ':missing': { S: 'missing' },
      ':at': { S: new Date(noticedAt).toISOString() },
    };
    const sets = ['#resync = :missing', '#missingSince = :at'];
    const names: Record<string, string> = {
      '#version': 'version',
      '#resync': 'resync',
      '#missingSince': 'missingSince',
    };
    if (state.statusKey !== undefined) {
      values[':statusKey'] = { S: finalStatusKey(state.statusKey, FINAL_BUCKET[kind]) };
      names['#statusKey'] = INDEX.byStatus.partition;
      names['#statusTime'] = INDEX.byStatus.sort;
      sets.push('#statusKey = :statusKey', '#statusTime = :at');
    }
    if (state.groupKey !== undefined) {
      values[':groupKey'] = { S: stoppedGroupKey(state.groupKey) };
      names['#groupKey'] = INDEX.byGroup.partition;
      names['#groupTime'] = INDEX.byGroup.sort;
      sets.push('#groupKey = :groupKey', '#groupTime = :at');
    }
    const expiry = expiryAttribute(noticedAt, stoppedDays);
    for (const [name, value] of Object.entries(expiry)) {
      names['#expiry'] = name;
      values[':expiry'] = value;
      sets.push('#expiry = :expiry');
    }
    const update = await conditionalWrite(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: latestKey(key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :version AND attribute_not_exists(#resync)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return update.written;
  }

  /**
   * The keys (`task/<id>`, `container-instance/<id>`) of a cluster's live resources as the indexes list them:
   * tasks not STOPPED, container instances in any status but INACTIVE.
   */
  async liveKeys(cluster: string, kind: 'task' | 'instance'): Promise<string[]> {
    const partitions =
      kind === 'task'
        ? taskStatusKeys(cluster, LIVE_TASKS)
        : [...INSTANCE_STATUSES.filter((status) => status !== 'INACTIVE'), OTHER_INSTANCE_STATUSES].map(
            (status) => statusKey(cluster, 'instance', status, 0),
          );
    const perPartition = await Promise.all(
      partitions.map((partition) =>
        this.queryAll({
          IndexName: 'byStatus',
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': INDEX.byStatus.partition },
          ExpressionAttributeValues: { ':p': { S: partition } },
        }),
      ),
    );
    return perPartition.flat().map((item) => item[KEY.partition]?.S as string);
  }

  /** The latest version of each key that has one, without its detail: what resync compares with ECS. */
  async currentStates(keys: readonly string[]): Promise<Map<string, CurrentState>> {
    const items = await batchGetAll(this.client, this.tableName, keys.map(latestKey), [
      'version',
      'lastStatus',
      'status',
      'resync',
      INDEX.byStatus.partition,
      INDEX.byGroup.partition,
    ]);
    return new Map(
      items.map((item) => {
        const key = item[KEY.partition]?.S as string;
        const missing = item.resync?.S === 'missing';
        const status = item.lastStatus?.S ?? item.status?.S;
        const statusKeyValue = item[INDEX.byStatus.partition]?.S;
        const groupKeyValue = item[INDEX.byGroup.partition]?.S;
        return [
          key,
          {
            version: Number(item.version?.N),
            live: isLiveStatus(kindOfKey(key), status) && !missing,
            missing,
            ...(statusKeyValue === undefined ? {} : { statusKey: statusKeyValue }),
            ...(groupKeyValue === undefined ? {} : { groupKey: groupKeyValue }),
          },
        ];
      }),
    );
  }

  async getLatest(arn: string): Promise<StoredResource | undefined> {
    return this.latestByKey(resourceKey(arn));
  }

  /** The task or container instance with this id (the last part of its ARN), if one is stored. */
  async findById(id: string): Promise<StoredResource[]> {
    const found = await Promise.all(RESOURCE_TYPES.map((type) => this.latestByKey(`${type}/${id}`)));
    return found.filter((resource) => resource !== undefined);
  }

  /**
   * Every task and container instance whose id starts with `prefix` (at least SHORT_ID_LENGTH = 8 characters:
   * the short ids tables show; a whole id works too), tasks first, each in key order. More than one means the
   * prefix is ambiguous: a longer one narrows it. One Query of the byShortId index per resource type, with
   * begins_with on its sort key when the prefix is longer than 8, and a BatchGetItem of what it lists. A shorter
   * prefix is refused (InvalidInputError): it would name a whole range of ids.
   */
  async findByIdPrefix(prefix: string): Promise<StoredResource[]> {
    if (prefix.length < SHORT_ID_LENGTH)
      throw new InvalidInputError(
        'id',
        `${JSON.stringify(prefix)} is ${prefix.length} characters; give at least ${SHORT_ID_LENGTH} characters ` +
          'of the id (as tables show it), the whole id or the ARN',
      );
    const keys = INDEX.byShortId;
    const perType = await Promise.all(
      RESOURCE_TYPES.map((type) => {
        const names: Record<string, string> = { '#p': keys.partition };
        const values: Record<string, AttributeValue> = { ':p': { S: shortIdKey(type, prefix) } };
        let condition = '#p = :p';
        if (prefix.length > SHORT_ID_LENGTH) {
          names['#s'] = keys.sort;
          values[':s'] = { S: `${type}/${prefix}` };
          condition += ' AND begins_with(#s, :s)';
        }
        return this.queryAll({
          IndexName: 'byShortId',
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        });
      }),
    );
    return this.getLatestMany(
      perType.flatMap((items) => items.map((item) => item[KEY.partition]?.S as string)),
    );
  }

  private async latestByKey(key: string): Promise<StoredResource | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: latestKey(key), ConsistentRead: true }),
    );
    return item === undefined ? undefined : toStoredResource(item);
  }

  /** Every version received for one resource, oldest first. */
  async history(arn: string): Promise<StoredResource[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#key = :key AND begins_with(#entry, :prefix)',
      ExpressionAttributeNames: { '#key': KEY.partition, '#entry': KEY.sort },
      ExpressionAttributeValues: { ':key': { S: resourceKey(arn) }, ':prefix': { S: HISTORY_ENTRY_PREFIX } },
      ConsistentRead: true,
    });
    return items.map(toStoredResource);
  }

  /**
   * Tasks of a cluster in one last status: STOPPED ones by stop time, the others by creation time, newest first.
   */
  async tasksByStatus(cluster: string, status: string, options: ListOptions = {}): Promise<StoredResource[]> {
    const bucket = taskStatusBucket(status);
    const shards = taskStatusKeys(cluster, bucket);
    const keep = bucket === status ? undefined : (task: StoredResource) => task.detail.lastStatus === status;
    return this.listNewestFirst('byStatus', shards, options, keep);
  }

  /**
   * Tasks of a cluster whose last status is none of `known` (a status ECS added after this code was written),
   * newest created first: the live bucket holds every status but STOPPED, so they are stored and listed there.
   */
  async tasksInOtherStatuses(
    cluster: string,
    known: readonly string[],
    options: ListOptions = {},
  ): Promise<StoredResource[]> {
    const shards = taskStatusKeys(cluster, taskStatusBucket(''));
    const other = (task: StoredResource) => !known.includes(String(task.detail.lastStatus));
    return this.listNewestFirst('byStatus', shards, options, other);
  }

  /**
   * Container instances of a cluster in one status, most recently registered first. `other` lists those in a
   * status ECS added after this code was written.
   */
  async instancesByStatus(
    cluster: string,
    status: string,
    options: ListOptions = {},
  ): Promise<StoredResource[]> {
    return this.listNewestFirst('byStatus', [statusKey(cluster, 'instance', status, 0)], options);
  }

  /**
   * Tasks of one group (service:web, family:report) of a cluster, newest created first; the window and the limit
   * are on the creation time. `only: 'live'` reads the group's live bucket alone (one Query: what counting its
   * running tasks needs), tasks neither STOPPED nor marked missing; `only: 'stopped'` its STOPPED bucket alone;
   * by default both. The STOPPED bucket is sorted by stop time: it is read from `since` on (a task stops after it
   * is created) and a task kept if created in the window. For the tasks that stopped in a window: stoppedTasks.
   */
  async tasksByGroup(
    cluster: string,
    group: string,
    options: GroupListOptions = {},
  ): Promise<StoredResource[]> {
    const { only, ...list } = options;
    // Live means not over: a task stored before the STOPPED bucket existed may still sit in the live one.
    const live =
      only === 'stopped'
        ? []
        : await this.listNewestFirst(
            'byGroup',
            [groupKey(cluster, group, LIVE_TASKS)],
            list,
            only === 'live' ? (task) => !isOver(task) : undefined,
          );
    if (only === 'live') return live;
    const since = isoBound('since', list.since);
    const until = isoBound('until', list.until);
    const createdInWindow = (task: StoredResource) => {
      const created = creationTime(task);
      return (since === undefined || created >= since) && (until === undefined || created <= until);
    };
    const stopped = await this.listNewestFirst(
      'byGroup',
      [groupKey(cluster, group, STOPPED_TASKS)],
      since === undefined ? {} : { since },
      createdInWindow,
    );
    // A task that stopped between the two reads may be in both: it is listed once.
    const listed = new Set(live.map((task) => task.arn));
    const byCreation = [...live, ...stopped.filter((task) => !listed.has(task.arn))]
      .map((task) => ({ task, created: creationTime(task) }))
      .sort((a, b) => (a.created === b.created ? 0 : a.created > b.created ? -1 : 1))
      .map(({ task }) => task);
    return list.limit === undefined ? byCreation : byCreation.slice(0, list.limit);
  }

  /**
   * Tasks of a cluster that stopped in [since, until), the newest stop first: the STOPPED bucket of byStatus
   * (every shard, merged), or of the groups' byGroup partitions (merged) when `group` names one or more. A task's stop is its
   * `stoppedAt` (else its last update or event time); for one resync marked missing, when that was noticed.
   * Queries (one per shard, paged lazily) and BatchGetItem of what they list; with a limit, reads until it knows
   * whether one more matches.
   */
  async stoppedTasks(cluster: string, options: WindowOptions = {}): Promise<ResourcePage> {
    const since = isoBound('since', options.since);
    const until = isoBound('until', options.until);
    const groups = groupsOf(options.group);
    return this.listInWindow(
      ['stoppedTasks', cluster, groups, since, until],
      [taskPart(cluster, STOPPED_TASKS, groups, { since, until })],
      options,
    );
  }

  /**
   * Tasks of a cluster that ran in [since, until): live tasks created before `until` (newest created first), then
   * stopped tasks that stopped at or after `since` and were created before `until` (newest stop first); only
   * `statuses` when given (live tasks by their last status; STOPPED for the stopped ones), only the groups'
   * when `group` names any. The live part is one Query per bucket partition bounded by `until`; the stopped part reads the STOPPED
   * bucket from `since` on and checks each task's creation on the item itself (the index sorts it by its stop),
   * so a window far in the past reads every stop since its start.
   */
  async tasksInWindow(cluster: string, options: TaskWindowOptions = {}): Promise<ResourcePage> {
    const since = isoBound('since', options.since);
    const until = isoBound('until', options.until);
    const groups = groupsOf(options.group);
    const statuses = options.statuses?.length === 0 ? undefined : options.statuses;
    const wanted = (status: string) => statuses === undefined || statuses.includes(status);
    const parts: WindowPart[] = [];
    if (statuses === undefined || statuses.some((status) => status !== STOPPED_TASKS))
      parts.push(
        taskPart(cluster, LIVE_TASKS, groups, { until }, (task) => wanted(String(task.detail.lastStatus))),
      );
    if (wanted(STOPPED_TASKS))
      parts.push(
        taskPart(
          cluster,
          STOPPED_TASKS,
          groups,
          { since },
          until === undefined ? undefined : (task) => creationTime(task) < until,
        ),
      );
    return this.listInWindow(
      ['tasksInWindow', cluster, groups, since, until, statuses === undefined ? [] : [...statuses].sort()],
      parts,
      options,
    );
  }

  /** Tasks placed on one container instance, newest created first. */
  async tasksOnContainerInstance(
    containerInstanceArn: string,
    options: ListOptions = {},
  ): Promise<StoredResource[]> {
    return this.listNewestFirst('byHost', [resourceKey(containerInstanceArn)], options);
  }

  /** The container instance(s) registered for one EC2 instance id (normally one). */
  async instancesOnEc2(ec2InstanceId: string): Promise<StoredResource[]> {
    return this.listNewestFirst('byHost', [ec2HostKey(ec2InstanceId)], {});
  }

  /**
   * The resources of `parts`, one after the other, each newest first, up to the limit; `listing` names the query
   * so that its continuation token is refused by any other. A resource listed twice (a task that stopped between
   * the reads of two parts) is returned once.
   */
  private async listInWindow(
    listing: readonly unknown[],
    parts: readonly WindowPart[],
    { limit, nextToken }: Pick<WindowOptions, 'limit' | 'nextToken'>,
  ): Promise<ResourcePage> {
    checkLimit(limit);
    const name = JSON.stringify(listing);
    const start = nextToken === undefined ? undefined : decodePosition(name, nextToken);
    if (start !== undefined && (start.part < 0 || start.part >= parts.length))
      throw new InvalidInputError('nextToken', 'is not a token this listing returned');
    // One more than the limit tells whether the list is cut.
    const want = limit === undefined ? undefined : limit + 1;
    const found: { part: number; entry: IndexEntry; resource: StoredResource }[] = [];
    const seen = new Set<string>();
    for (let part = start?.part ?? 0; part < parts.length; part++) {
      if (want !== undefined && found.length >= want) break;
      const after = start?.part === part ? start.entry : undefined;
      await this.readPart(
        parts[part] as WindowPart,
        after,
        want === undefined ? undefined : want - found.length,
        (entry, resource) => {
          if (seen.has(entry.key)) return false;
          seen.add(entry.key);
          found.push({ part, entry, resource });
          return true;
        },
      );
    }
    const more = limit !== undefined && found.length > limit;
    const page = more ? found.slice(0, limit) : found;
    const last = page.at(-1);
    return {
      resources: page.map(({ resource }) => resource),
      more,
      ...(more && last !== undefined
        ? { nextToken: encodePosition(name, { part: last.part, entry: last.entry }) }
        : {}),
    };
  }

  /**
   * One part of a windowed listing: its partitions' index entries in [since, until) after `after`, merged newest
   * first and read page by page; each batch of entries is fetched (BatchGetItem) and kept if the item is still
   * where the index listed it (an index lags its table a little) and passes `keep`, until `want` are taken.
   */
  private async readPart(
    part: WindowPart,
    after: IndexEntry | undefined,
    want: number | undefined,
    take: (entry: IndexEntry, resource: StoredResource) => boolean,
  ): Promise<void> {
    const keys = INDEX[part.index];
    const { since, until } = part;
    // The key condition's upper bound is inclusive: `until` itself is dropped below, as are entries up to `after`.
    const upper = after === undefined || (until !== undefined && until < after.time) ? until : after.time;
    if (since !== undefined && upper !== undefined && since > upper) return;
    const names: Record<string, string> = { '#p': keys.partition };
    const bounds: Record<string, AttributeValue> = {};
    let range = '';
    if (since !== undefined) bounds[':since'] = { S: since };
    if (upper !== undefined) bounds[':upper'] = { S: upper };
    if (since !== undefined && upper !== undefined) range = ' AND #t BETWEEN :since AND :upper';
    else if (since !== undefined) range = ' AND #t >= :since';
    else if (upper !== undefined) range = ' AND #t <= :upper';
    if (range !== '') names['#t'] = keys.sort;
    const pageSize = want === undefined ? undefined : Math.min(1_000, Math.max(want, 50));
    const entries = mergeInOrder(
      part.partitions.map((partition) =>
        inListingOrder(
          queryItems(this.client, {
            TableName: this.tableName,
            IndexName: part.index,
            KeyConditionExpression: `#p = :p${range}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':p': { S: partition }, ...bounds },
            ScanIndexForward: false,
            ...(pageSize === undefined ? {} : { Limit: pageSize }),
          }),
          keys.sort,
        ),
      ),
    );
    const partitions = new Set(part.partitions);
    const stillListed = (item: Item) => {
      const time = item[keys.sort]?.S;
      return (
        partitions.has(item[keys.partition]?.S ?? '') &&
        time !== undefined &&
        (since === undefined || time >= since) &&
        (until === undefined || time < until)
      );
    };
    let taken = 0;
    let batch: IndexEntry[] = [];
    const fetch = async () => {
      const items = await batchGetAll(
        this.client,
        this.tableName,
        batch.map((entry) => latestKey(entry.key)),
      );
      const byKey = new Map(items.map((item) => [item[KEY.partition]?.S as string, item]));
      for (const entry of batch) {
        const item = byKey.get(entry.key);
        if (item === undefined || !stillListed(item)) continue;
        const resource = toStoredResource(item);
        if (part.keep !== undefined && !part.keep(resource)) continue;
        if (take(entry, resource)) taken++;
        if (want !== undefined && taken >= want) return;
      }
      batch = [];
    };
    for await (const entry of entries) {
      if (until !== undefined && entry.time >= until) continue;
      if (after !== undefined && !comesBefore(after, entry)) continue;
      batch.push(entry);
      if (batch.length >= (want === undefined ? BATCH_GET_LIMIT : Math.min(BATCH_GET_LIMIT, want - taken))) {
        await fetch();
        if (want !== undefined && taken >= want) return;
      }
    }
    if (batch.length > 0) await fetch();
  }

  private async listNewestFirst(
    index: IndexName,
    partitions: string[],
    options: ListOptions,
    keep?: (resource: StoredResource) => boolean,
  ) {
    const keys = INDEX[index];
    const perPartition = await Promise.all(
      partitions.map((partition) => {
        const names: Record<string, string> = { '#p': keys.partition };
        const values: Record<string, AttributeValue> = { ':p': { S: partition } };
        let condition = '#p = :p';
        const window = keys.sort === undefined ? '' : timeWindow(options, values);
        if (window !== '') {
          names['#t'] = keys.sort as string;
          condition += ` AND ${window}`;
        }
        return this.queryAll(
          {
            IndexName: index,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
          },
          keep === undefined ? options.limit : undefined,
        );
      }),
    );
    const sortAttribute = keys.sort;
    const merged = perPartition.flat();
    if (sortAttribute !== undefined && partitions.length > 1) {
      merged.sort((a, b) => (b[sortAttribute]?.S ?? '').localeCompare(a[sortAttribute]?.S ?? ''));
    }
    const resources = await this.getLatestMany(merged.map((item) => item[KEY.partition]?.S as string));
    const kept = keep === undefined ? resources : resources.filter(keep);
    return options.limit === undefined ? kept : kept.slice(0, options.limit);
  }

  /** Latest items for keys listed by a KEYS_ONLY index, in the order given. */
  private async getLatestMany(keys: string[]): Promise<StoredResource[]> {
    const items = await batchGetAll(this.client, this.tableName, keys.map(latestKey));
    return items.map(toStoredResource);
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit?: number): Promise<Item[]> {
    return queryAll(this.client, { ...input, TableName: this.tableName }, limit);
  }

  /**
   * One BatchWriteItem of up to 25 items, unprocessed items retried with backoff. If DynamoDB refuses the whole
   * request (one item it will not take fails them all), each item is written on its own, so only the item at
   * fault stays unwritten.
   */
  private async writeChunk(chunk: Item[]): Promise<UnwrittenItem[]> {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) {
        return pending.map((item) => ({ item, reason: 'still unprocessed by DynamoDB after retries' }));
      }
      if (attempt > 0) await backoff(attempt);
      let response: BatchWriteItemCommandOutput;
      try {
        response = await this.client.send(
          new BatchWriteItemCommand({
            RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
      } catch (error) {
        if (pending.length === 1) throw error;
        return this.writeEach(pending);
      }
      pending = (response.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [request.PutRequest.Item] : [],
      );
    }
    return [];
  }

  /** Timeline items one PutItem each (idempotent: a version's item is the same whoever writes it). */
  private async writeEach(items: readonly Item[]): Promise<UnwrittenItem[]> {
    const results = await Promise.all(
      items.map((item) =>
        this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })).then(
          () => undefined,
          (error: Error) => unwrittenBecause(item, error),
        ),
      ),
    );
    return results.filter((result) => result !== undefined);
  }
}

/**
 * The key condition on an index's time for `since`/`until`. Index times are written with toISOString(), so the
 * bounds are too: "12:00:00Z" and "12:00:00.000Z" are the same time, but not the same string.
 */
function timeWindow({ since, until }: ListOptions, values: Record<string, AttributeValue>): string {
  if (since !== undefined) values[':since'] = { S: new Date(since).toISOString() };
  if (until !== undefined) values[':until'] = { S: new Date(until).toISOString() };
  if (since !== undefined && until !== undefined) return '#t BETWEEN :since AND :until';
  if (since !== undefined) return '#t >= :since';
  return until === undefined ? '' : '#t <= :until';
}

/** Why an item is unwritten; `refused` when the error was DynamoDB refusing that one item's content. */
function unwrittenBecause(item: Item, error: Error): UnwrittenItem {
  const refused = itemRefusal(error);
  return { item, reason: `${error.name}: ${error.message}`, ...(refused === undefined ? {} : { refused }) };
}

/** The groups a window names, distinct and sorted; undefined when it names none (every group). */
function groupsOf(group: string | readonly string[] | undefined): string[] | undefined {
  const groups = typeof group === 'string' ? [group] : [...new Set(group ?? [])].sort();
  return groups.length === 0 ? undefined : groups;
}

/**
 * A part of a windowed task listing: the partitions of a cluster's (or its groups') tasks in one bucket (`live`
 * or `STOPPED`), a window on their index time, and the check that each task read is one the bucket means — by
 * its own item, whatever the index said: stopped (or marked missing) or not, and in one of the groups — and
 * `also`.
 */
function taskPart(
  cluster: string,
  bucket: typeof LIVE_TASKS | typeof STOPPED_TASKS,
  groups: readonly string[] | undefined,
  window: { since?: string | undefined; until?: string | undefined },
  also?: (task: StoredResource) => boolean,
): WindowPart {
  const partitions =
    groups === undefined
      ? taskStatusKeys(cluster, bucket)
      : groups.map((group) => groupKey(cluster, group, bucket));
  const belongs = (task: StoredResource) =>
    isOver(task) === (bucket === STOPPED_TASKS) &&
    (groups === undefined || groups.includes(String(task.detail.group)));
  return {
    index: groups === undefined ? 'byStatus' : 'byGroup',
    partitions,
    ...window,
    keep: also === undefined ? belongs : (task) => belongs(task) && also(task),
  };
}

/** A task that is STOPPED, or that resync marked missing (ECS no longer knows it): listed as stopped. */
const isOver = (task: StoredResource) =>
  task.detail.lastStatus === STOPPED_TASKS || task.missingSince !== undefined;

/**
 * When a task was created, as an index time (toISOString) to compare with window bounds: its createdAt, else the
 * times the live bucket falls back to (its last update, the event's time).
 */
function creationTime(task: StoredResource): string {
  for (const time of [task.detail.createdAt, task.detail.updatedAt, task.eventTime]) {
    if (typeof time !== 'string') continue;
    const parsed = new Date(time);
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  return '';
}

/** `<cluster>|<kind>|<bucket>|<shard>` with its bucket replaced. */
function finalStatusKey(current: string, bucket: string): string {
  const parts = current.split('|');
  parts[parts.length - 2] = bucket;
  return parts.join('|');
}

function toStoredResource(item: Item): StoredResource {
  const detailBytes = item.detail?.B;
  const detail = detailBytes === undefined ? {} : decodeDetail(detailBytes);
  const kind = kindOfKey(item[KEY.partition]?.S ?? '');
  return {
    arn: String(kind === 'task' ? detail.taskArn : detail.containerInstanceArn),
    kind,
    version: Number(item.version?.N),
    // The latest item leaves the event id to the timeline entry of its version.
    ...(item.eventId?.S === undefined ? {} : { eventId: item.eventId.S }),
    eventTime: item.eventTime?.S ?? '',
    // Items written before sources were recorded came from events.
    source: item.source?.S === 'resync' ? 'resync' : 'event',
    ...(item.missingSince?.S === undefined ? {} : { missingSince: item.missingSince.S }),
    detail,
    trimmedFields: item.trimmedFields?.SS ?? [],
  };
}

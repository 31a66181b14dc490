/**
 * A change to a stored run as the parts of an UpdateItem. Pure. Fields are set, decisions appended, and the
 * change is conditional: the run exists, and — when asked — its status is one of `from`, or it owes no page
 * yet (`withoutAlert`), so of two callers moving a run on only one succeeds.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { UpdateParts } from '../platform/store/condition-expression.js';
import { KEY } from '../platform/store/table.js';
import { type JobRun, RUN_PAGE, type RunStatus } from './run.js';

export type RunChanges = Partial<Omit<JobRun, 'job' | 'slot' | 'decisions'>>;

export interface RunUpdateOptions {
  decisions?: string[];
  /** Only while the run's status is one of these. */
  from?: RunStatus[];
  /** Only while the run owes no page (none decided yet). */
  withoutAlert?: boolean;
}

/** The update, or undefined when it changes nothing. */
export function runUpdate(changes: RunChanges, options: RunUpdateOptions = {}): UpdateParts | undefined {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  Object.entries(changes).forEach(([field, value], index) => {
    if (value === undefined) return;
    names[`#f${index}`] = field;
    values[`:f${index}`] = marshall({ value }, { removeUndefinedValues: true }).value as AttributeValue;
    sets.push(`#f${index} = :f${index}`);
  });
  if (options.decisions !== undefined && options.decisions.length > 0) {
    names['#decisions'] = 'decisions';
    values[':decisions'] = { L: options.decisions.map((S) => ({ S })) };
    values[':none'] = { L: [] };
    sets.push('#decisions = list_append(if_not_exists(#decisions, :none), :decisions)');
  }
  if (sets.length === 0) return undefined;
  let condition = 'attribute_exists(#key)';
  names['#key'] = KEY.partition;
  if (options.from !== undefined) {
    names['#status'] = 'status';
    const allowed = options.from.map((status, index) => {
      values[`:from${index}`] = { S: status };
      return `:from${index}`;
    });
    condition += ` AND #status IN (${allowed.join(', ')})`;
  }
  if (options.withoutAlert) {
    names['#alert'] = RUN_PAGE.state;
    condition += ' AND attribute_not_exists(#alert)';
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

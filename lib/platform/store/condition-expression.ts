/**
 * A condition on an item, written once and judged twice: evaluated in memory (`holds`) and rendered as a
 * DynamoDB ConditionExpression (`render`) over `#attribute` names and `:operand` values. So a rule stated as
 * conditions decides the same in pure code as in the conditional writes that enforce it.
 */
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

export type Condition<A extends string, O extends string> =
  | { exists: A }
  /** Compared as DynamoDB compares strings: a missing attribute makes the comparison false. */
  | { attribute: A; is: '=' | '<'; operand: O }
  | { not: Condition<A, O> }
  | { all: Condition<A, O>[] }
  | { any: Condition<A, O>[] };

/** Builders of conditions over the attributes `A`, compared with the operands `O`. */
export function conditions<A extends string, O extends string>() {
  type C = Condition<A, O>;
  const exists = (attribute: A): C => ({ exists: attribute });
  return {
    exists,
    missing: (attribute: A): C => ({ not: exists(attribute) }),
    equals: (attribute: A, operand: O): C => ({ attribute, is: '=', operand }),
    before: (attribute: A, operand: O): C => ({ attribute, is: '<', operand }),
    not: (condition: C): C => ({ not: condition }),
    // AND and OR are associative: a group within its own kind is flattened, rendering without parentheses.
    all: (...parts: C[]): C => ({ all: parts.flatMap((part) => ('all' in part ? part.all : [part])) }),
    any: (...parts: C[]): C => ({ any: parts.flatMap((part) => ('any' in part ? part.any : [part])) }),
  };
}

/** Whether the condition holds for an item whose attributes `read` gives (undefined: missing). */
export function holds<A extends string, O extends string>(
  condition: Condition<A, O>,
  read: (attribute: A) => string | undefined,
  operands: Partial<Record<O, unknown>>,
): boolean {
  if ('exists' in condition) return read(condition.exists) !== undefined;
  if ('not' in condition) return !holds(condition.not, read, operands);
  if ('all' in condition) return condition.all.every((part) => holds(part, read, operands));
  if ('any' in condition) return condition.any.some((part) => holds(part, read, operands));
  const value = read(condition.attribute);
  const operand = operands[condition.operand];
  if (value === undefined || typeof operand !== 'string') return false;
  return condition.is === '=' ? value === operand : value < operand;
}

export function render<A extends string, O extends string>(condition: Condition<A, O>): string {
  if ('exists' in condition) return `attribute_exists(#${condition.exists})`;
  if ('not' in condition) {
    const inner = condition.not;
    return 'exists' in inner ? `attribute_not_exists(#${inner.exists})` : `NOT (${render(inner)})`;
  }
  if ('all' in condition) return condition.all.map(grouped).join(' AND ');
  if ('any' in condition) return condition.any.map(grouped).join(' OR ');
  return `#${condition.attribute} ${condition.is} :${condition.operand}`;
}

const grouped = <A extends string, O extends string>(condition: Condition<A, O>) =>
  'all' in condition || 'any' in condition ? `(${render(condition)})` : render(condition);

/** A conditional UpdateItem: the update over `#attribute` names and `:value` values, guarded by the condition. */
export interface ConditionalUpdate<A extends string, O extends string> {
  condition: Condition<A, O>;
  update: string;
  /** By name without the colon: the condition's operands and the update's values. */
  values: Record<string, unknown>;
}

export type UpdateParts = Required<
  Pick<
    UpdateItemCommandInput,
    'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >
>;

/**
 * The write as UpdateItem's parts, `#attribute` naming what `stored` maps it to. Only the names and values the
 * expressions use are passed: DynamoDB refuses any other.
 */
export function updateParts<A extends string, O extends string>(
  write: ConditionalUpdate<A, O>,
  stored: Readonly<Record<string, string>>,
): UpdateParts {
  const ConditionExpression = render(write.condition);
  const text = `${write.update} ${ConditionExpression}`;
  const used = (prefix: string, name: string) => new RegExp(`${prefix}${name}\\b`).test(text);
  const picked = <T>(entries: Record<string, T>, prefix: string) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([name]) => used(prefix, name))
        .map(([name, value]) => [`${prefix}${name}`, value]),
    );
  return {
    UpdateExpression: write.update,
    ConditionExpression,
    ExpressionAttributeNames: picked(stored, '#'),
    ExpressionAttributeValues: marshall(picked(write.values, ':'), { removeUndefinedValues: true }),
  };
}

/**
 * CloudWatch's "CloudWatch Alarm State Change" event, as EventBridge puts it on the alarm-states queue: which
 * alarm, the state it left and the one it entered, why, and when. Pure. A record that is not one (not JSON,
 * another event, a missing or malformed field) is refused with the field and what to do, for the dead-letter
 * queue.
 */
import * as z from 'zod/mini';

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
export const CLOUDWATCH_SOURCE = 'aws.cloudwatch';

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** One change of one alarm's state. */
export interface AlarmStateChange {
  /** The EventBridge event id. */
  id: string;
  alarm: string;
  /** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`, when the event names it. */
  alarmArn?: string;
  /** The alarm's description: ecs-ops' start with `[<severity>] `. */
  description: string;
  state: AlarmState;
  previous: AlarmState;
  /** CloudWatch's words for why the state changed. */
  reason: string;
  /** When it changed, as ISO 8601 in UTC: what orders the changes of one alarm. */
  changedAt: string;
  region: string;
}

export type AlarmStateChangeResult =
  | { ok: true; change: AlarmStateChange }
  | { ok: false; error: { field: string; reason: string } };

const Text = z.string('expected a string').check(z.minLength(1, 'expected a non-empty string'));
const State = z.enum(ALARM_STATES, `expected one of ${ALARM_STATES.join(', ')}`);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
/** CloudWatch writes `2019-10-01T13:56:40.987+0000`; Date.parse wants the offset's colon. */
const Timestamp = z.pipe(
  Text,
  z.transform((text, context) => {
    // With its offset: a time without one would be read in the function's own time zone.
    const at = ISO_TIME.test(text) ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
    if (!Number.isNaN(at)) return new Date(at).toISOString();
    context.issues.push({
      code: 'custom',
      message: 'expected a time as CloudWatch writes it, such as 2019-10-02T17:04:40.985+0000',
      input: text,
    });
    return z.NEVER;
  }),
);

const OBJECT = 'expected an object';
const Envelope = z.object(
  {
    id: Text,
    source: z.literal(CLOUDWATCH_SOURCE, `expected ${CLOUDWATCH_SOURCE}`),
    'detail-type': z.literal(ALARM_STATE_CHANGE, `expected "${ALARM_STATE_CHANGE}"`),
    region: Text,
    resources: z.optional(z.array(z.string())),
    detail: z.object(
      {
        alarmName: Text,
        configuration: z.optional(z.object({ description: z.optional(z.string()) }, OBJECT)),
        state: z.object({ value: State, reason: z.optional(z.string()), timestamp: Timestamp }, OBJECT),
        previousState: z.object({ value: State }, OBJECT),
      },
      OBJECT,
    ),
  },
  OBJECT,
);

/** What to do about a refused field: where the record came from decides it. */
const FIXES: Record<string, string> = {
  source: `only CloudWatch's alarm events belong on this queue (source ${CLOUDWATCH_SOURCE}): check the AlarmStates rule's pattern`,
  'detail-type': `only "${ALARM_STATE_CHANGE}" events belong on this queue: check the AlarmStates rule's pattern`,
};
const DEFAULT_FIX = `CloudWatch always sends it: this record did not come from CloudWatch, or was changed on the way`;

export function parseAlarmStateChange(text: string): AlarmStateChangeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refused('(body)', `not JSON (${(error as Error).message}); send the EventBridge event as JSON`);
  }
  const parsed = z.safeParse(Envelope, value);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = issue?.path.join('.') || '(body)';
    return refused(field, `${issue?.message ?? 'not an alarm state change'}; ${FIXES[field] ?? DEFAULT_FIX}`);
  }
  const { id, region, resources, detail } = parsed.data;
  const alarmArn = resources?.find((arn) => arn.endsWith(`:alarm:${detail.alarmName}`));
  return {
    ok: true,
    change: {
      id,
      alarm: detail.alarmName,
      ...(alarmArn === undefined ? {} : { alarmArn }),
      description: detail.configuration?.description ?? '',
      state: detail.state.value,
      previous: detail.previousState.value,
      reason: detail.state.reason ?? '',
      changedAt: detail.state.timestamp,
      region,
    },
  };
}

const refused = (field: string, reason: string): AlarmStateChangeResult => ({
  ok: false,
  error: { field, reason },
});

/**
 * The functions' scheduled invocations: `schedule` events (`schedule: rate(1 minute)` or `schedule: { rate,
 * enabled, input, method, timezone }`, `rate` a string or a list) and `eventBridge: { schedule }` events, each
 * invoked with the EventBridge Scheduled Event (or the schedule's `input`) on the schedule's clock.
 */
import { eventResourcePrefix, events, type FunctionDefinition, functionDefinition } from './functions.js';
import { asObject, defaultName, isObject, RoutingError, type Template } from './template.js';

/** A function's `schedule` (or `eventBridge: { schedule }`) event: one EventBridge rule on a clock. */
export interface ScheduleDefinition {
  /** The rule's logical id, as the framework generates it (`AlertDashsummaryEventsRuleSchedule1`). */
  rule: string;
  /** The rule's name: the event's `name` when it sets one, else `<service>-<stage>-<rule>`. */
  ruleName: string;
  function: FunctionDefinition;
  /** `rate(1 minute)` or `cron(…)`, unchecked beyond its form (local/scheduler/schedules.ts evaluates it). */
  expression: string;
  /** The constant input the target receives instead of the Scheduled Event, when the event sets one. */
  input?: unknown;
  enabled: boolean;
  /**
   * `rule`: an EventBridge rule (UTC only); `scheduler`: an EventBridge Scheduler schedule (`method: scheduler`),
   * whose input may carry `<aws.scheduler.scheduled-time>` and whose cron fields are read in `timeZone`.
   */
  method: 'rule' | 'scheduler';
  /** The schedule's IANA time zone (`timezone`, Scheduler only); UTC otherwise. */
  timeZone: string;
}

const SCHEDULE_EXPRESSION = /^(rate|cron)\(.+\)$/;

export function scheduleDefinitions(template: Template): ScheduleDefinition[] {
  return Object.entries(template.functions).flatMap(([name, fn]) => {
    const prefix = eventResourcePrefix(name);
    let scheduleIndex = 0;
    return events(fn).flatMap((event, index): ScheduleDefinition[] => {
      const at = `functions.${name}.events[${index}]`;
      if (event.schedule !== undefined) {
        const schedule = isObject(event.schedule) ? event.schedule : { rate: event.schedule };
        const rates = Array.isArray(schedule.rate) ? schedule.rate : [schedule.rate];
        return rates.map((rate) => {
          scheduleIndex += 1;
          return scheduleDefinition(template, name, {
            rule:
              schedule.method === 'scheduler'
                ? `${prefix}SchedulerSchedule${scheduleIndex}`
                : `${prefix}EventsRuleSchedule${scheduleIndex}`,
            expression: rate,
            options: schedule,
            at: `${at}.schedule`,
          });
        });
      }
      const eventBridge = asObject(event.eventBridge);
      if (eventBridge.schedule === undefined) return [];
      return [
        scheduleDefinition(template, name, {
          rule: `${prefix}EventBridgeRule${index + 1}`,
          expression: eventBridge.schedule,
          options: eventBridge,
          at: `${at}.eventBridge.schedule`,
        }),
      ];
    });
  });
}

function scheduleDefinition(
  template: Template,
  name: string,
  event: { rule: string; expression: unknown; options: Record<string, unknown>; at: string },
): ScheduleDefinition {
  const { rule, expression, options, at } = event;
  if (typeof expression !== 'string' || !SCHEDULE_EXPRESSION.test(expression.trim())) {
    throw new RoutingError(
      `${at}: expected rate(<value> <unit>) or cron(<fields>), got ${JSON.stringify(expression)}`,
    );
  }
  const definition: ScheduleDefinition = {
    rule,
    ruleName:
      typeof options.name === 'string' && options.name !== '' ? options.name : defaultName(template, rule),
    function: functionDefinition(template, name),
    expression: expression.trim(),
    enabled: options.enabled !== false && options.enabled !== 'false',
    method: options.method === 'scheduler' ? 'scheduler' : 'rule',
    timeZone: typeof options.timezone === 'string' && options.timezone !== '' ? options.timezone : 'UTC',
  };
  if (options.input === undefined) return definition;
  return { ...definition, input: scheduleInput(options.input) };
}

/** The framework passes an object as its JSON and a string as is; EventBridge hands the target that JSON. */
function scheduleInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

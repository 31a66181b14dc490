/**
 * How an ecs-ops alarm carries its severity: the first word of its AlarmDescription, in brackets
 * (`[critical] The alert queue…`). CloudWatch keeps no other free field that reaches its state-change events, so
 * the stack writes it here and the page about the alarm reads it back.
 */
import { SEVERITIES, type Severity } from '../platform/notification/severity.js';

/** `[high] <what fired and what to do>`. */
export const alarmDescription = (severity: Severity, text: string) => `[${severity}] ${text}`;

/** The severity and the text of a description; `severity` is undefined when it does not open with one. */
export function readAlarmDescription(description: string): { severity?: Severity; text: string } {
  const match = /^\[([a-z]+)\] ?/.exec(description);
  const word = match?.[1] as Severity | undefined;
  if (match === null || word === undefined || !SEVERITIES.includes(word)) return { text: description };
  return { severity: word, text: description.slice(match[0].length) };
}

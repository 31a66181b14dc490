/**
 * `ecs-ops instance <i-…|arn|id>`: one container instance — its latest state, its status timeline (every version
 * received, StateStore.history) and the tasks placed on it (tasksOnContainerInstance), newest first. The id
 * resolves as `ecs-ops task`'s does (cli/commands/resolve.ts): an EC2 instance id, a container instance ARN of
 * either format, its id or the first 8 or more characters of it.
 */
import type { StoredResource } from '../../lib/platform/store/state-store.js';
import type { CommandContext } from '../context.js';
import { limitFlag } from '../flags.js';
import { renderTable, text } from '../format.js';
import { cut, fetchSize, limitNotice, parseLimit, printList, type Show } from '../list.js';
import { type CommandSpec, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { UsageError } from '../usage.js';
import { resolveTarget } from './resolve.js';
import { TASK_COLUMNS } from './state.js';
import { describeInstance } from './task.js';

export const INSTANCE: CommandSpec = {
  name: 'instance',
  args: '<i-…|arn|id>',
  maxArgs: 1,
  list: true,
  summary:
    'one container instance: its latest state, its status timeline and the tasks it ran, newest first; by ' +
    'EC2 instance id, ARN, id or the first 8+ characters of it',
  title: 'one container instance, its status timeline and the tasks it ran',
  flags: { limit: limitFlag('tasks') },
  about:
    'The instance: an EC2 instance id (i-…), a container instance ARN (either format), its id, or the first 8\n' +
    'or more characters of its id as tables show it; a prefix that matches several is refused, listing them.\n' +
    'Table and wide print the instance, its timeline (oldest first) and its tasks (newest created first);\n' +
    'csv the tasks; json and yaml one document: { instance, history, tasks }.',
  more: 'Exit codes: 0 shown; 2 no such instance, a task id, an id shorter than 8 characters, or an ambiguous one.',
};

/** Every version of a container instance, oldest first, with who reported it (ECS's event or resync). */
export function instanceTimeline(history: readonly StoredResource[], show: Show): string {
  return renderTable(
    ['VER', 'UPDATED', 'SOURCE', 'STATUS', 'AGENT', 'RUNNING', 'PENDING'],
    history.map(({ version, detail, eventTime, source }) => [
      String(version),
      show.time(detail.updatedAt ?? eventTime),
      source,
      text(detail.status),
      detail.agentConnected === false ? 'disconnected' : 'connected',
      text(detail.runningTasksCount),
      text(detail.pendingTasksCount),
    ]),
  );
}

export async function instanceCommand(context: CommandContext, args: readonly string[], values: Values) {
  const [target] = args;
  if (target === undefined)
    throw new UsageError(
      'instance needs an EC2 instance id (i-…), a container instance ARN, or its id (8 or more characters of it)',
    );
  const printer = printerOf(context);
  const limit = parseLimit(stringOf(values, 'limit'));
  const show: Show = { time: printer.time, zone: printer.timeZone };
  const { resource: instance, note } = await resolveTarget(context.store, target, 'instance', show);
  const history = await context.store.history(instance.arn);
  const tasks = cut(
    await context.store.tasksOnContainerInstance(instance.arn, { limit: fetchSize(limit) }),
    limit,
  );
  const title = `Tasks placed on ${instance.detail.ec2InstanceId ?? 'it'}, newest first`;
  const human = printer.format === 'table' || printer.format === 'wide';
  if (note !== undefined) {
    if (human) printer.out(`(${note})`);
    else printer.note(note);
  }
  if (printer.format === 'json' || printer.format === 'yaml') {
    printer.document({ instance, history, tasks: tasks.rows });
    if (tasks.more) printer.note(`${title}: ${limitNotice(limit)}`);
    return 0;
  }
  if (human) {
    printer.out(describeInstance(instance, show));
    printer.out(`\nStatus timeline (${history.length} versions; times in ${printer.timeZone}):`);
    printer.out(instanceTimeline(history, show));
    printer.out('');
  }
  printList(printer, { columns: TASK_COLUMNS, sections: [{ title, ...tasks }], limit });
  return 0;
}

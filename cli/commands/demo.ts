/**
 * `ecs-ops demo` (npm start): replays the sample stream shipped in events/demo — duplicates and reordering
 * included — into the local store, then shows what was reconciled.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterName } from '../../lib/platform/arn.js';
import { parseEcsEventText } from '../../lib/platform/events/ecs-event.js';
import type { CommandContext } from '../context.js';
import type { CommandSpec } from '../options.js';
import { printerOf } from '../output.js';
import { packageRoot } from '../package-root.js';
import { toRecords } from '../replay-input.js';
import { formatSummary, replay } from './replay.js';
import { instancesCommand, tasksCommand } from './state.js';

export const DEMO: CommandSpec = {
  name: 'demo',
  noArgs: 'it replays events/demo',
  summary: 'replay the sample stream in events/demo into the store and show it',
  flags: {},
};

const DEMO_STREAM_PATH = join('events', 'demo', 'stream.jsonl');

export async function demoCommand(context: CommandContext): Promise<number> {
  const input = await readFile(join(packageRoot(), DEMO_STREAM_PATH), 'utf8');
  const summary = await replay(context, DEMO_STREAM_PATH, input);
  const clusters = new Set<string>();
  for (const { body } of toRecords(input, DEMO_STREAM_PATH)) {
    const parsed = parseEcsEventText(body);
    if (parsed.ok) clusters.add(clusterName(parsed.event.detail.clusterArn));
  }
  const printer = printerOf(context);
  if (printer.document(summary)) return 0;
  context.out(`${formatSummary(summary)}\n`);
  for (const cluster of clusters) {
    await tasksCommand(context, { cluster });
    context.out('');
    await instancesCommand(context, { cluster });
    context.out('');
  }
  context.out(
    [
      `The store is in ${context.options.dir}. Run npm start again: every event is now a duplicate or stale.`,
      'Look closer with:',
      '  npx ecs-ops tasks --cluster prod --status STOPPED',
      '  npx ecs-ops task <task id> --history',
      '  npx ecs-ops replay <file of EventBridge events>',
    ].join('\n'),
  );
  return 0;
}

/**
 * `ecs-ops mailbox`: what was published to SNS in the sandbox, newest first (the local stand-in for email). The
 * table shows what on-call reads — the email body of a message with one body per protocol, not its JSON — and
 * the severity subscribers filter on; `-o json` keeps each message whole.
 */
import { join } from 'node:path';
import { SnsMailbox } from '../../local/sns/sns-mailbox.js';
import type { CommandContext } from '../context.js';
import { limitFlag } from '../flags.js';
import { type Column, cut, FIT_ONLY, parseLimit, printList } from '../list.js';
import { type CommandSpec, stringOf, type Values } from '../options.js';
import { printerOf } from '../output.js';
import { UsageError } from '../usage.js';

export const MAILBOX: CommandSpec = {
  name: 'mailbox',
  localOnly: 'the mailbox is the sandbox’s; leave out --store aws (in AWS, messages go to subscribers)',
  noArgs: 'use --limit',
  list: true,
  summary: 'messages published to SNS in the sandbox, newest first',
  flags: { limit: limitFlag('messages') },
};

type Message = ReturnType<SnsMailbox['list']>[number];

/** What an email subscriber reads (SNS gives it `default` when the message has no email body of its own). */
const readable = (m: Message): string => m.bodies?.email ?? m.message;

const COLUMNS: readonly Column<Message>[] = [
  { header: 'TIME', cell: (m, show) => show.time(m.time) },
  { header: 'TOPIC', cell: (m) => m.topicArn.slice(m.topicArn.lastIndexOf(':') + 1) },
  { header: 'SEVERITY', tone: true, cell: (m) => m.attributes.severity?.value ?? '' },
  { header: 'SUBJECT', free: FIT_ONLY, cell: (m) => m.subject ?? '' },
  { header: 'MESSAGE', free: 60, cell: (m) => readable(m).replace(/\s+/g, ' ') },
];

export function mailboxCommand(context: CommandContext, values: Values): number {
  if (context.engineEndpoint === undefined) {
    throw new UsageError(
      'the mailbox is the sandbox’s; leave out --store aws (in AWS, messages go to subscribers)',
    );
  }
  const limit = parseLimit(stringOf(values, 'limit'));
  const printer = printerOf(context);
  const dir = join(context.options.dir, 'mailbox');
  const messages = new SnsMailbox({ dir }).list();
  if (messages.length === 0 && printer.format === 'table') {
    printer.out(`The mailbox (${dir}) is empty: nothing has been published to SNS in the sandbox yet.`);
    return 0;
  }
  printList(printer, {
    columns: COLUMNS,
    sections: [{ title: 'Messages, newest first', ...cut(messages, limit) }],
    limit,
  });
  if (printer.format === 'table' || printer.format === 'wide') printer.out(`\nEach message in full: ${dir}/`);
  return 0;
}

/** `ecs-ops mailbox`: what was published to SNS in the sandbox, newest first (the local stand-in for email). */
import { join } from 'node:path';
import { SnsMailbox } from '../../local/sns/sns-mailbox.js';
import type { CommandContext } from '../context.js';
import { renderTable, shortTime, truncate } from '../format.js';
import { UsageError } from '../usage.js';

export function mailboxCommand(context: CommandContext, limit: number): number {
  if (context.engineEndpoint === undefined) {
    throw new UsageError(
      'the mailbox is the sandbox’s; leave out --store aws (in AWS, messages go to subscribers)',
    );
  }
  const dir = join(context.options.dir, 'mailbox');
  const messages = new SnsMailbox({ dir }).list().slice(0, limit);
  if (context.options.json) {
    context.out(JSON.stringify(messages, null, 2));
    return 0;
  }
  if (messages.length === 0) {
    context.out(`The mailbox (${dir}) is empty: nothing has been published to SNS in the sandbox yet.`);
    return 0;
  }
  context.out(
    renderTable(
      ['TIME', 'TOPIC', 'SUBJECT', 'MESSAGE'],
      messages.map((m) => [
        shortTime(m.time),
        m.topicArn.slice(m.topicArn.lastIndexOf(':') + 1),
        m.subject ?? '',
        truncate(m.message.replace(/\s+/g, ' '), 60),
      ]),
    ),
  );
  context.out(`\nEach message in full: ${dir}/`);
  return 0;
}

/**
 * `ecs-ops mailbox`: what on-call would read of each message published in the sandbox — the email body, not the
 * per-protocol JSON envelope ecs-ops publishes — and its severity; `--json` keeps every message whole.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../../lib/platform/notification/message.js';
import { publishInput } from '../../../lib/platform/notification/publisher.js';
import { SnsMailbox } from '../../../local/sns/sns-mailbox.js';
import { runCaptured } from '../../support/cli-run.js';

const page: AlertMessage = {
  subject: '[ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod',
  text: 'api OOM-killed (exit 137) in prod.\n\nContainer: api\nExit code: 137',
  json: { kind: 'incident', cluster: 'prod', exitCode: 137 },
  attributes: { kind: 'incident', cluster: 'prod', severity: 'critical', class: 'oom' },
  severity: 'critical',
  dedupKey: 'arn:aws:ecs:us-east-1:111122223333:task/prod/0a1b#2024-05-02T09:00:00.000Z',
  action: 'trigger',
};

/** A sandbox folder whose mailbox holds an ecs-ops page and, later, a plain message without attributes. */
async function mailboxWithPages() {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-ops-mailbox-'));
  const published = [Date.parse('2024-05-02T09:00:00Z'), Date.parse('2024-05-02T09:00:01Z')];
  const mailbox = new SnsMailbox({ dir: join(dir, 'mailbox'), now: () => new Date(published.shift() ?? 0) });
  const { TopicArn = '' } = mailbox.createTopic({ Name: 'ecs-ops-alerts' });
  await mailbox.publish(publishInput(TopicArn, page));
  await mailbox.publish({ TopicArn, Subject: 'hello', Message: 'a plain message' });
  return dir;
}

describe('ecs-ops mailbox', () => {
  it('shows each message’s severity and the text an email subscriber reads, not the JSON envelope', async () => {
    const dir = await mailboxWithPages();

    const { code, out } = await runCaptured(['--dir', dir, 'mailbox', '-o', 'wide']);

    expect(code).toBe(0);
    const [heading, ...rows] = out.split('\n').filter((line) => /^\S/.test(line) && !line.startsWith('Each'));
    expect(heading).toBe('Messages, newest first (2; times in UTC):');
    expect(rows[0]?.split(/\s{2,}/)).toEqual(['TIME', 'TOPIC', 'SEVERITY', 'SUBJECT', 'MESSAGE']);
    expect(rows[1]).toMatch(/ecs-ops-alerts\s+hello\s+a plain message$/);
    expect(rows[2]).toContain(
      'critical  [ecs-ops] CRITICAL: api OOM-killed (exit 137) in prod  api OOM-killed (exit 137) in prod. Container: api Exit code: 137',
    );
    expect(out).not.toContain('{"default"');
  });

  it('keeps every message whole with --json: the envelope, its structure and each protocol’s body', async () => {
    const dir = await mailboxWithPages();

    const { code, out } = await runCaptured(['--dir', dir, 'mailbox', '--json']);

    expect(code).toBe(0);
    const [plain, alert] = JSON.parse(out) as Record<string, unknown>[];
    expect(plain).toMatchObject({ subject: 'hello', message: 'a plain message' });
    expect(alert).toMatchObject({
      subject: page.subject,
      message: publishInput('arn', page).Message,
      messageStructure: 'json',
      bodies: { email: page.text, sms: page.subject },
      attributes: { severity: { dataType: 'String', value: 'critical' } },
    });
  });
});

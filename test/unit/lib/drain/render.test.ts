/** The page of an instance that left with tasks still on it: what happened says why it left. */
import { describe, expect, it } from 'vitest';
import { renderReleaseWithTasks } from '../../../../lib/drain/render.js';
import { A, B, drainOf, INSTANCE_ID, service } from '../../../support/drains.js';

describe('the page of an instance that left with tasks on it', () => {
  const drain = drainOf({ tasks: { [A]: service('RUNNING'), [B]: service('RUNNING') } });

  it.each([
    ['deadline', `[ecs-ops] ${INSTANCE_ID} released at its drain deadline with 2 tasks still running`],
    [
      'action-ended',
      `[ecs-ops] ${INSTANCE_ID} lost its lifecycle action mid-drain with 2 tasks still running`,
    ],
    ['instance-gone', `[ecs-ops] ${INSTANCE_ID} deregistered mid-drain with 2 tasks still running`],
  ] as const)('says in its subject what happened: %s', (reason, subject) => {
    const page = renderReleaseWithTasks(drain, reason, [A, B]);

    expect(page.subject).toBe(subject);
    expect(page.attributes.class).toBe(`drain-${reason}`);
  });

  it('names every task that was still there, with its group and status', () => {
    const page = renderReleaseWithTasks(drain, 'deadline', [A, B]);

    expect(page.text).toContain(`${A} (service:web, RUNNING)`);
    expect(page.text).toContain(`${B} (service:web, RUNNING)`);
  });
});

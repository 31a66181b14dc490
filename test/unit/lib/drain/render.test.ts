/** The page of an instance that left with tasks still on it: what happened says why it left. */
import { describe, expect, it } from 'vitest';
import { renderReleaseWithTasks } from '../../../../lib/drain/render.js';
import { A, B, drainOf, INSTANCE_ID, service } from '../../../support/drains.js';

describe('the page of an instance that left with tasks on it', () => {
  const drain = drainOf({ tasks: { [A]: service('RUNNING'), [B]: service('RUNNING') } });

  it.each([
    ['deadline', `[ecs-ops] MEDIUM: ${INSTANCE_ID} released at its drain deadline with 2 tasks running`],
    [
      'action-ended',
      `[ecs-ops] MEDIUM: ${INSTANCE_ID} lost its lifecycle action mid-drain with 2 tasks running`,
    ],
    ['instance-gone', `[ecs-ops] MEDIUM: ${INSTANCE_ID} deregistered mid-drain with 2 tasks running`],
  ] as const)('says in its subject, whole, its severity and what happened: %s', (reason, subject) => {
    const page = renderReleaseWithTasks(drain, reason, [A, B]);

    expect(page.subject).toBe(subject);
    expect(page.attributes.class).toBe(`drain-${reason}`);
  });

  it('is of severity medium, filterable on it and the cluster, and deduplicated by the drain', () => {
    const page = renderReleaseWithTasks(drain, 'deadline', [A, B]);

    expect(page.severity).toBe('medium');
    expect(page.attributes).toEqual({
      kind: 'drain-cut-short',
      cluster: 'prod',
      severity: 'medium',
      class: 'drain-deadline',
    });
    expect(page.json).toMatchObject({ severity: 'medium', commands: ['ecs-ops drains'] });
    expect(page).toMatchObject({ dedupKey: `drain#${INSTANCE_ID}#${drain.startedAt}`, action: 'trigger' });
  });

  it('names every task that was still there, with its group and status', () => {
    const page = renderReleaseWithTasks(drain, 'deadline', [A, B]);

    expect(page.text).toContain(`${A} (service:web, RUNNING)`);
    expect(page.text).toContain(`${B} (service:web, RUNNING)`);
  });
});

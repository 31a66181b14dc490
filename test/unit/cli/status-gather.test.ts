/** What `ecs-ops status` gathers about the deployed stack itself: its outputs, or why they could not be read. */
import { describe, expect, it } from 'vitest';
import { gatherStatus, type StatusPorts } from '../../../cli/status-gather.js';
import { problemsOf } from '../../../cli/status-model.js';
import { parseOpsConfig } from '../../../lib/ops-config.js';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const THRESHOLDS = { queueAgeSeconds: 300, lagSeconds: 60, missedRuns: 3 };

const ports = (stack: StatusPorts['stack']): StatusPorts => ({
  stage: 'prod',
  store: 'aws',
  region: 'eu-west-1',
  ...(stack === undefined ? {} : { stack }),
  storePort: { table: 'ecs-ops-prod-state', answers: async () => undefined, openDrains: async () => [] },
  config: parseOpsConfig({}),
  now: () => NOW,
});

describe('gatherStatus: the stack', () => {
  it('shows the outputs of the stack the stage deployed', async () => {
    const facts = await gatherStatus(
      ports({ name: 'ecs-ops-prod', outputs: async () => ({ DashboardName: 'ecs-ops-prod' }) }),
    );

    expect(facts.stack).toEqual({ name: 'ecs-ops-prod', outputs: { DashboardName: 'ecs-ops-prod' } });
    expect(problemsOf(facts, THRESHOLDS)).toEqual([]);
  });

  it('calls a stack it cannot read a problem, and says why', async () => {
    const facts = await gatherStatus(
      ports({
        name: 'ecs-ops-prod',
        outputs: async () => {
          throw Object.assign(new Error('Stack with id ecs-ops-prod does not exist'), {
            name: 'ValidationError',
          });
        },
      }),
    );

    expect(facts.stack).toBeNull();
    expect(problemsOf(facts, THRESHOLDS).map(({ text }) => text)).toEqual([
      'could not read stack-outputs: ValidationError: Stack with id ecs-ops-prod does not exist',
    ]);
  });

  it('has no stack to read on the local store', async () => {
    expect((await gatherStatus(ports(undefined))).stack).toBeNull();
  });
});

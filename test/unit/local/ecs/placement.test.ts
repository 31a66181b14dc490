import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HostCapacity, misfit, placeTasks } from '../../../../local/ecs/placement.js';
import { seededRandom } from '../../../../local/random.js';

const host = (arn: string, over: Partial<HostCapacity> = {}): HostCapacity => ({
  arn,
  status: 'ACTIVE',
  agentConnected: true,
  cpu: 1024,
  memory: 2048,
  usedPorts: [],
  ...over,
});

describe('placement', () => {
  it('names the first resource an instance lacks: CPU, then memory, then ports; AGENT when disconnected', () => {
    const demand = { cpu: 512, memory: 1024, hostPorts: [80] };
    expect(misfit(host('a', { cpu: 256 }), demand)).toBe('RESOURCE:CPU');
    expect(misfit(host('a', { memory: 512 }), demand)).toBe('RESOURCE:MEMORY');
    expect(misfit(host('a', { usedPorts: [80] }), demand)).toBe('RESOURCE:PORTS');
    expect(misfit(host('a', { agentConnected: false }), demand)).toBe('AGENT');
    expect(misfit(host('a'), demand)).toBeUndefined();
  });

  it('places as many tasks as fit and reports each instance that could not take the next one', () => {
    const result = placeTasks(
      [host('a'), host('b', { memory: 512 })],
      { cpu: 256, memory: 1024, hostPorts: [] },
      3,
      seededRandom(1),
    );
    expect(result.placements).toEqual(['a', 'a']);
    expect(result.failures).toEqual([
      { arn: 'a', reason: 'RESOURCE:MEMORY' },
      { arn: 'b', reason: 'RESOURCE:MEMORY' },
    ]);
  });

  it('never places two tasks needing the same static host port on one instance', () => {
    const result = placeTasks([host('a')], { cpu: 1, memory: 1, hostPorts: [80] }, 2, seededRandom(1));
    expect(result.placements).toEqual(['a']);
    expect(result.failures).toEqual([{ arn: 'a', reason: 'RESOURCE:PORTS' }]);
  });

  it('gives DRAINING instances no tasks and does not count them as failures', () => {
    const result = placeTasks(
      [host('a', { status: 'DRAINING' })],
      { cpu: 1, memory: 1, hostPorts: [] },
      1,
      seededRandom(1),
    );
    expect(result).toMatchObject({ placements: [], failures: [] });
  });

  const hostArb = fc.record({
    status: fc.constantFrom('ACTIVE', 'ACTIVE', 'DRAINING'),
    agentConnected: fc.boolean(),
    cpu: fc.integer({ min: 0, max: 4096 }),
    memory: fc.integer({ min: 0, max: 8192 }),
    usedPorts: fc.uniqueArray(fc.integer({ min: 80, max: 90 }), { maxLength: 3 }),
  });
  const demandArb = fc.record({
    cpu: fc.integer({ min: 0, max: 2048 }),
    memory: fc.integer({ min: 1, max: 4096 }),
    hostPorts: fc.uniqueArray(fc.integer({ min: 80, max: 90 }), { maxLength: 2 }),
  });

  it('never over-commits CPU, memory or ports, and never uses DRAINING or disconnected instances', () => {
    fc.assert(
      fc.property(
        fc.array(hostArb, { minLength: 1, maxLength: 5 }),
        demandArb,
        fc.integer({ min: 1, max: 10 }),
        fc.integer(),
        (specs, demand, count, seed) => {
          const hosts = specs.map((spec, i) => ({ arn: `h${i}`, ...spec }));
          const { placements, hosts: after } = placeTasks(hosts, demand, count, seededRandom(seed));
          for (const original of hosts) {
            const placed = placements.filter((arn) => arn === original.arn).length;
            if (original.status !== 'ACTIVE' || !original.agentConnected) expect(placed).toBe(0);
            expect(placed * demand.cpu).toBeLessThanOrEqual(original.cpu);
            expect(placed * demand.memory).toBeLessThanOrEqual(original.memory);
            const ports = after.find((candidate) => candidate.arn === original.arn)?.usedPorts ?? [];
            expect(new Set(ports).size).toBe(ports.length);
          }
          expect(placements.length).toBeLessThanOrEqual(count);
        },
      ),
    );
  });
});

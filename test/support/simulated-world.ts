/**
 * What the integration tests of a capability stand on: a SimulatedEcs on a fake clock the test moves, every
 * envelope it emits kept, and the reconciler writing those events into the state table as the deployed
 * reconcile function would — so the code under test reads the reconciled state it reads in AWS.
 */
import type { DeadLetter, DeadLetterSink } from '../../lib/platform/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../lib/platform/events/envelope.js';
import type { StateStore } from '../../lib/platform/store/state-store.js';
import { processBatch } from '../../lib/reconcile/process-batch.js';
import { SimulatedEcs } from '../../local/ecs/index.js';
import { seededRandom } from '../../local/random.js';

/** A dead-letter queue that keeps every letter it is sent. */
export class RecordingDeadLetters implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]): Promise<string[]> {
    this.letters.push(...letters);
    return [];
  }
}

export function simulatedWorld(store: StateStore, { start, seed }: { start: string; seed: number }) {
  const clock = { now: Date.parse(start) };
  const emitted: EventEnvelope[] = [];
  const sim = new SimulatedEcs({
    now: () => clock.now,
    random: seededRandom(seed),
    emit: (event) => emitted.push(event),
  });

  /** Moves the clock forward, stepping the simulator at every due transition. */
  const advance = (ms: number) =>
    sim.advanceTo(clock.now + ms, (at) => {
      clock.now = at;
    });

  /** Reconciles every ECS event emitted so far into the state table; a refused one fails the test. */
  let reconciled = 0;
  const reconcile = async () => {
    // The reconcile rule routes ECS events only.
    const fresh = emitted.slice(reconciled).filter((event) => event.source === 'aws.ecs');
    reconciled = emitted.length;
    if (fresh.length === 0) return;
    const { outcomes } = await processBatch(
      fresh.map((event, index) => ({ id: String(index), body: JSON.stringify(event) })),
      {
        store,
        retention: { stoppedDays: 30, historyDays: 90 },
        writeConcurrency: 4,
        deadLetters: new RecordingDeadLetters(),
      },
    );
    const refused = outcomes.filter(
      (outcome) => outcome.outcome === 'invalid' || outcome.outcome === 'failed',
    );
    if (refused.length > 0) throw new Error(`the reconciler refused sim events: ${JSON.stringify(refused)}`);
  };

  return { clock, now: () => new Date(clock.now), emitted, sim, advance, reconcile };
}

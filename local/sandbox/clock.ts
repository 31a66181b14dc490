/**
 * The sandbox's time. Simulated time runs, `speed` times faster than the wall clock, only while the run loop
 * waits between two ticks, and stands still while it works (catching the simulation up, running a script
 * step, delivering events): however slow the machine or a cold start, the story keeps its timing, and an
 * event is delivered at most a tick after it happened.
 *
 * Two readings of it: the functions in their worker threads read the shared clock from their Date (see
 * local/lambda/clock.ts), `functionsNow`; the simulation — the cluster, the queues, the mailbox, the script —
 * follows it in steps, `now`, and never passes it. So nothing the simulation stamps is ever later than what a
 * function reads.
 */
import { SharedClock } from '../lambda/clock.js';

export class SandboxClock {
  readonly shared: SharedClock;
  private reached: number;

  /** Simulated time starts at `startedAt`, standing still until `run`. */
  constructor(readonly startedAt: number) {
    this.shared = new SharedClock(startedAt);
    this.reached = startedAt;
  }

  /** The time the simulation has reached: what the local services stamp and the live view shows. */
  readonly now = (): number => this.reached;

  /** Simulated time runs from where it stands, `speed` times faster than the wall clock. */
  run(speed: number): void {
    this.shared.run(this.shared.now(), speed);
  }

  /** Simulated time stands still. */
  stop(): void {
    this.shared.run(this.shared.now(), 0);
  }

  /** The simulated time the functions read: where the simulation catches up to. */
  functionsNow(): number {
    return this.shared.now();
  }

  /** Moves the simulation's time to `at`: forward only, never past the functions' time. */
  reach(at: number): void {
    if (at < this.reached || at > this.functionsNow()) {
      throw new Error(
        `the simulation cannot move to ${at}: it is at ${this.reached}, the functions at ${this.functionsNow()}`,
      );
    }
    this.reached = at;
  }
}

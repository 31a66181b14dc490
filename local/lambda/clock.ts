/**
 * One clock for the main thread and the functions' worker threads: simulated time as a linear map of the wall
 * clock, `simulated = from + (wall − wallFrom) × speed`, whose three numbers live in a SharedArrayBuffer. The
 * main thread sets them (speed 0 while time stands still); each worker reads them on every Date.now() or
 * new Date(), so a function stamps its logs, leases, cooldowns and deadlines in the same time as the events it
 * receives — whatever its thread is doing when the map changes.
 *
 * The numbers are written under a sequence counter (odd while a write is under way), so a reader never sees
 * half of an update. Both sides read the wall clock with the real Date.now(): the worker's map is installed
 * over Date, so it keeps the original.
 */

/** [sequence: Int32] [padding] [from, wallFrom, speed: Float64 × 3] */
const BYTES = 32;
const ANCHOR_OFFSET = 8;

export class SharedClock {
  readonly buffer = new SharedArrayBuffer(BYTES);
  private readonly sequence = new Int32Array(this.buffer, 0, 1);
  private readonly anchor = new Float64Array(this.buffer, ANCHOR_OFFSET, 3);
  private last = Number.NEGATIVE_INFINITY;

  /** Frozen at `simulatedAt` until `run`. */
  constructor(simulatedAt: number) {
    this.write(simulatedAt, 0);
  }

  /** From now on, simulated time runs from `simulatedAt`, `speed` times faster than the wall clock. */
  run(simulatedAt: number, speed: number): void {
    this.write(simulatedAt, speed);
  }

  /** The simulated time now, in epoch milliseconds, as every worker reads it; it never goes back. */
  now(): number {
    const [from = 0, wallFrom = 0, speed = 0] = this.anchor;
    this.last = Math.max(this.last, Math.floor(from + (Date.now() - wallFrom) * speed));
    return this.last;
  }

  private write(simulatedAt: number, speed: number) {
    Atomics.add(this.sequence, 0, 1);
    this.anchor.set([simulatedAt, Date.now(), speed]);
    Atomics.add(this.sequence, 0, 1);
  }
}

/**
 * The worker's side, as source for its bootstrap (plain JavaScript, run before the bundle loads): reads the
 * map from `clockBuffer` and installs a Date whose now() and no-argument constructor give simulated time.
 * Everything else — Date(x), Date.UTC, Date.parse, instanceof, the prototype — is the real Date's.
 */
export const INSTALL_WORKER_CLOCK = `
{
  const RealDate = Date;
  const wallNow = RealDate.now;
  const sequence = new Int32Array(clockBuffer, 0, 1);
  const anchor = new Float64Array(clockBuffer, ${ANCHOR_OFFSET}, 3);
  let last = -Infinity;
  const simulatedNow = () => {
    for (;;) {
      const before = Atomics.load(sequence, 0);
      const [from, wallFrom, speed] = anchor;
      if (before % 2 === 0 && Atomics.load(sequence, 0) === before) {
        last = Math.max(last, Math.floor(from + (wallNow() - wallFrom) * speed));
        return last;
      }
    }
  };
  function SimulatedDate(...args) {
    if (new.target === undefined) return new RealDate(simulatedNow()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [simulatedNow()] : args, new.target);
  }
  Object.setPrototypeOf(SimulatedDate, RealDate);
  SimulatedDate.prototype = RealDate.prototype;
  SimulatedDate.now = simulatedNow;
  globalThis.Date = SimulatedDate;
}
`;

/** Seeded randomness: the same seed replays the same simulated cluster, chaos, faults and benchmark stream. */

/** seededRandom: a tiny 32-bit generator, good enough to shuffle placements and mint ids, never for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` lower-case hex digits, like the 32-digit ids of ECS tasks and container instances. */
export function hexId(random: () => number, length = 32): string {
  let id = '';
  for (let i = 0; i < length; i++) id += Math.floor(random() * 16).toString(16);
  return id;
}

/** A version-4-shaped UUID (event ids, lifecycle action tokens). */
export function uuid(random: () => number): string {
  const hex = hexId(random, 32);
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** `length` decimal digits, like the ids of service deployments (`ecs-svc/…`). */
export function digits(random: () => number, length: number): string {
  let id = String(1 + Math.floor(random() * 9));
  while (id.length < length) id += Math.floor(random() * 10).toString();
  return id;
}

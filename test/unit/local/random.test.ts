import { describe, expect, it } from 'vitest';
import { digits, hexId, seededRandom, uuid } from '../../../local/random.js';

describe('seeded randomness', () => {
  it('replays the same sequence for the same seed, and another for another seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('mints ids in the shapes AWS uses', () => {
    const random = seededRandom(1);
    expect(hexId(random)).toMatch(/^[0-9a-f]{32}$/);
    expect(uuid(random)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(digits(random, 19)).toMatch(/^[1-9]\d{18}$/);
  });
});

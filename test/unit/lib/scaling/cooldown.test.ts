import { describe, expect, it } from 'vitest';
import { cooldownAt, type ScalingActivity } from '../../../../lib/scaling/cooldown.js';

const at = (time: string) => new Date(`2024-05-02T${time}Z`);
const activity = (time: string, from: number, to: number, cooldownSeconds = 300): ScalingActivity => ({
  at: at(time),
  from,
  to,
  cooldownSeconds,
});

describe('the cooldown in effect', () => {
  it('is none without activities, or once the last one’s cooldown has passed', () => {
    expect(cooldownAt([], at('12:00:00'))).toEqual({ kind: 'none' });
    expect(cooldownAt([activity('12:00:00', 4, 6)], at('12:05:00'))).toEqual({ kind: 'none' });
  });

  it('after a scale-out, counts the next one from the count before it', () => {
    expect(cooldownAt([activity('12:00:00', 4, 6)], at('12:02:00'))).toEqual({
      kind: 'scale-out',
      until: at('12:05:00'),
      base: 4,
      since: at('12:00:00'),
    });
  });

  it('chains scale-outs made within each other’s cooldown, from the first one’s starting count', () => {
    const activities = [activity('12:03:00', 6, 7), activity('12:00:00', 4, 6), activity('11:00:00', 2, 4)];
    expect(cooldownAt(activities, at('12:04:00'))).toEqual({
      kind: 'scale-out',
      until: at('12:08:00'),
      base: 4,
      since: at('12:00:00'),
    });
  });

  it('after a scale-in, is a scale-in cooldown until it passes', () => {
    expect(cooldownAt([activity('12:00:00', 6, 4)], at('12:01:00'))).toEqual({
      kind: 'scale-in',
      until: at('12:05:00'),
      since: at('12:00:00'),
    });
  });

  it('ends a scale-in cooldown with a scale-out, which starts a chain of its own', () => {
    const activities = [activity('12:02:00', 4, 5), activity('12:00:00', 6, 4)];
    expect(cooldownAt(activities, at('12:03:00'))).toMatchObject({ kind: 'scale-out', base: 4 });
  });

  it('uses the cooldown of the policy that made each activity', () => {
    expect(cooldownAt([activity('12:00:00', 4, 6, 60)], at('12:01:00'))).toEqual({ kind: 'none' });
  });
});

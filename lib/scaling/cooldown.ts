/**
 * Cooldown as Application Auto Scaling documents it for step scaling of targets other than EC2 Auto Scaling
 * groups, ECS services included (User Guide, "How step scaling works", Cooldown period; API Reference,
 * StepScalingPolicyConfiguration.Cooldown):
 *
 * - After a scale-out, the policy does not raise the desired count again until its cooldown ends unless a
 *   larger scale-out is asked for; the capacity the scale-out added counts toward the next one. (+2, then a
 *   +3 step within the cooldown, adds 1.)
 * - After a scale-in, further scale-ins wait for the cooldown to end; a scale-out goes ahead at once and ends
 *   that cooldown.
 *
 * Two choices AWS leaves open, made here on purpose:
 * - A scale-out within a scale-out's cooldown extends a chain that keeps counting from the capacity before the
 *   chain's first scale-out; otherwise a +3 step repeated every minute would add 1, then 3, then 3… — the
 *   runaway the rule exists to prevent. (EC2 Auto Scaling's warm-up, the documented analogue, counts every
 *   still-warming task the same way.)
 * - A scale-in also waits out a scale-out's cooldown: the tasks just added have not yet moved the metric, and
 *   removing them then is the flapping AWS warns about.
 */

/** One change of a service's desired count made by a scaling policy. */
export interface ScalingActivity {
  at: Date;
  /** The starting point of the activity (the running count it computed from). */
  from: number;
  /** The desired count it set. */
  to: number;
  /** The cooldown of the policy that made it, in seconds. */
  cooldownSeconds: number;
}

export type CooldownState =
  | { kind: 'none' }
  /** Within a scale-out chain's cooldown: the next scale-out counts from `base`, the count before the chain. */
  | { kind: 'scale-out'; until: Date; base: number; since: Date }
  | { kind: 'scale-in'; until: Date; since: Date };

const endOf = (activity: ScalingActivity) =>
  new Date(activity.at.getTime() + activity.cooldownSeconds * 1000);

/** The cooldown in effect at `now`, from a service's recent scaling activities (in any order). */
export function cooldownAt(activities: readonly ScalingActivity[], now: Date): CooldownState {
  // Newest first; of two at the same instant, the one recorded later (activities come in the order they were made).
  const ordered = activities
    .map((activity, index) => ({ activity, index }))
    .filter(({ activity }) => activity.at.getTime() <= now.getTime() && activity.to !== activity.from)
    .sort((a, b) => b.activity.at.getTime() - a.activity.at.getTime() || b.index - a.index)
    .map(({ activity }) => activity);
  const [latest] = ordered;
  if (latest === undefined || endOf(latest).getTime() <= now.getTime()) return { kind: 'none' };
  if (latest.to < latest.from) return { kind: 'scale-in', until: endOf(latest), since: latest.at };
  let origin = latest;
  for (const earlier of ordered.slice(1)) {
    const chained = earlier.to > earlier.from && endOf(earlier).getTime() > origin.at.getTime();
    if (!chained) break;
    origin = earlier;
  }
  return { kind: 'scale-out', until: endOf(latest), base: origin.from, since: origin.at };
}

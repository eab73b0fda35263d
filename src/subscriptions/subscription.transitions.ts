import { cyclePeriod, cycleStart } from './billing-period';
import type { Subscription } from './subscription.entity';

const DAY_MS = 86_400_000;

/** What a charge's result means for its subscription (defined here, beside the transitions that consume it). */
export type ChargeEffect = 'succeeded' | 'soft_decline' | 'hard_decline' | 'blocked' | 'resend';

/** The columns a charge result changes on a subscription. */
export type SubscriptionPatch = Partial<
  Pick<
    Subscription,
    | 'status'
    | 'cycle'
    | 'attempt'
    | 'currentPeriodStart'
    | 'currentPeriodEnd'
    | 'nextChargeAt'
    | 'canceledAt'
    | 'cancelReason'
    | 'updatedAt'
  >
>;

export interface TransitionConfig {
  /** Days after the cycle's due date on which soft declines are retried (attempt 2 on the first value...). */
  retryDays: readonly number[];
  /** Delay before re-sending a charge that was certainly not sent. */
  resendDelayMs: number;
}

type SubscriptionView = Pick<Subscription, 'status' | 'cycle' | 'attempt' | 'anchorAt' | 'interval' | 'intervalCount'>;

/**
 * What the result of the charge for (sub.cycle, sub.attempt) does to the subscription. Pure; periods always come
 * from the anchor (billing-period.ts), so month-end clamping never drifts.
 * - succeeded: active, the period is the charged cycle's, the next charge is due at the next cycle's start.
 * - soft decline: retried on `retryDays` after the cycle's due date with a new attempt (past_due meanwhile; an
 *   incomplete subscription stays incomplete); canceled after the last retry.
 * - hard decline: not retried; canceled.
 * - blocked (pending / unknown / mismatch): nothing else is charged until the charge resolves.
 * - resend (certainly not sent): the same charge is sent again shortly.
 */
export function transitionFor(
  sub: SubscriptionView,
  effect: ChargeEffect,
  config: TransitionConfig,
  now: Date,
): SubscriptionPatch {
  const period = cyclePeriod(new Date(sub.anchorAt), sub.interval, sub.intervalCount, sub.cycle);
  // Spread last in each patch below: a property after a spread is slow to define in V8 (see newCharge).
  const inPeriod = { currentPeriodStart: period.start, currentPeriodEnd: period.end, updatedAt: now };
  switch (effect) {
    case 'succeeded':
      return { status: 'active', cycle: sub.cycle + 1, attempt: 1, nextChargeAt: period.end, ...inPeriod };
    case 'soft_decline': {
      const retryIndex = sub.attempt - 1;
      if (retryIndex >= config.retryDays.length) {
        return { status: 'canceled', nextChargeAt: null, canceledAt: now, cancelReason: 'payment_failed', ...inPeriod };
      }
      const retryAt = new Date(period.start.getTime() + config.retryDays[retryIndex] * DAY_MS);
      return {
        status: sub.status === 'incomplete' ? 'incomplete' : 'past_due',
        attempt: sub.attempt + 1,
        nextChargeAt: retryAt.getTime() > now.getTime() ? retryAt : now,
        ...inPeriod,
      };
    }
    case 'hard_decline':
      return { status: 'canceled', nextChargeAt: null, canceledAt: now, cancelReason: 'payment_declined', ...inPeriod };
    case 'blocked':
      return { nextChargeAt: null, ...inPeriod };
    case 'resend':
      return { nextChargeAt: new Date(now.getTime() + config.resendDelayMs), ...inPeriod };
  }
}

/** The first period and due date of a new subscription anchored at `anchor`. */
export function initialSchedule(
  anchor: Date,
  interval: Subscription['interval'],
  count: number,
): Pick<Subscription, 'cycle' | 'attempt' | 'currentPeriodStart' | 'currentPeriodEnd' | 'nextChargeAt'> {
  const { start, end } = cyclePeriod(anchor, interval, count, 0);
  return {
    cycle: 0,
    attempt: 1,
    currentPeriodStart: start,
    currentPeriodEnd: end,
    nextChargeAt: cycleStart(anchor, interval, count, 0),
  };
}

import { initialSchedule, transitionFor, type TransitionConfig } from './subscription.transitions';
import type { Subscription } from './subscription.entity';

const config: TransitionConfig = { retryDays: [1, 3, 5, 7], resendDelayMs: 60_000 };
const DAY = 86_400_000;
const anchor = new Date('2027-01-31T10:00:00.000Z');
const sub = (over: Partial<Subscription> = {}) =>
  ({
    status: 'active',
    cycle: 1,
    attempt: 1,
    anchorAt: anchor,
    interval: 'month',
    intervalCount: 1,
    ...over,
  }) as Subscription;
const now = new Date('2027-02-28T10:00:05.000Z');

describe('subscription transitions', () => {
  it('starts in cycle 0 at the anchor', () => {
    expect(initialSchedule(anchor, 'month', 1)).toEqual({
      cycle: 0,
      attempt: 1,
      currentPeriodStart: anchor,
      currentPeriodEnd: new Date('2027-02-28T10:00:00.000Z'),
      nextChargeAt: anchor,
    });
  });

  it('succeeded: active, the charged cycle’s period, next charge at the next cycle (month-end kept from the anchor)', () => {
    expect(transitionFor(sub({ status: 'past_due', attempt: 3 }), 'succeeded', config, now)).toEqual({
      status: 'active',
      cycle: 2,
      attempt: 1,
      currentPeriodStart: new Date('2027-02-28T10:00:00.000Z'),
      currentPeriodEnd: new Date('2027-03-31T10:00:00.000Z'),
      nextChargeAt: new Date('2027-03-31T10:00:00.000Z'),
      updatedAt: now,
    });
  });

  it.each([
    [1, 1, 'past_due'],
    [2, 3, 'past_due'],
    [3, 5, 'past_due'],
    [4, 7, 'past_due'],
  ])(
    'soft decline of attempt %i: retried %i day(s) after the due date with the next attempt, %s',
    (attempt, days, status) => {
      const cycleStart = new Date('2027-02-28T10:00:00.000Z');
      const p = transitionFor(sub({ attempt }), 'soft_decline', config, now);
      expect(p).toMatchObject({
        status,
        attempt: attempt + 1,
        nextChargeAt: new Date(cycleStart.getTime() + days * DAY),
      });
    },
  );

  it('soft decline of the last retry: canceled, nothing due', () => {
    expect(transitionFor(sub({ attempt: 5 }), 'soft_decline', config, now)).toMatchObject({
      status: 'canceled',
      cancelReason: 'payment_failed',
      nextChargeAt: null,
      canceledAt: now,
    });
  });

  it('an incomplete subscription stays incomplete while retrying', () => {
    expect(transitionFor(sub({ status: 'incomplete', cycle: 0 }), 'soft_decline', config, now).status).toBe(
      'incomplete',
    );
  });

  it('a retry date already past (the clock moved far) is due now, never in the past', () => {
    const late = new Date('2027-06-01T00:00:00.000Z');
    expect(transitionFor(sub(), 'soft_decline', config, late).nextChargeAt).toEqual(late);
  });

  it('hard decline: canceled, not retried', () => {
    expect(transitionFor(sub(), 'hard_decline', config, now)).toMatchObject({
      status: 'canceled',
      cancelReason: 'payment_declined',
      nextChargeAt: null,
    });
  });

  it('blocked (pending/unknown): nothing is due until the charge resolves; status unchanged', () => {
    const p = transitionFor(sub({ status: 'active' }), 'blocked', config, now);
    expect(p.nextChargeAt).toBeNull();
    expect(p.status).toBeUndefined();
  });

  it('resend (certainly not sent): the same charge shortly, same cycle and attempt', () => {
    const p = transitionFor(sub(), 'resend', config, now);
    expect(p).toMatchObject({ nextChargeAt: new Date(now.getTime() + 60_000) });
    expect(p.cycle).toBeUndefined();
    expect(p.attempt).toBeUndefined();
  });
});

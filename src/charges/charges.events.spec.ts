import type { EntityManager } from 'typeorm';
import { strictMock } from '../../test/helpers/strict-mock';
import type { EventInput, EventsService } from '../events/events.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { Charge } from './charge.entity';
import { ChargeEvents, chargeEventType, subscriptionEventType } from './charges.events';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const charge = (id: string, over: Partial<Charge> = {}) =>
  ({
    id,
    merchantId: 'mch_1',
    kind: 'recurring',
    subscriptionId: 'sub_1',
    cycle: 1,
    attempt: 1,
    merchantUid: `sub_1-c1-a1`,
    amount: 1999,
    currency: 'USD',
    refundedAmount: 0,
    status: 'sending',
    review: false,
    createdAt: NOW,
    ...over,
  }) as Charge;
const sub = (over: Partial<Subscription> = {}) =>
  ({
    id: 'sub_1',
    merchantId: 'mch_1',
    status: 'active',
    cycle: 1,
    attempt: 1,
    currentPeriodStart: NOW,
    currentPeriodEnd: NOW,
    nextChargeAt: null,
    createdAt: NOW,
    ...over,
  }) as Subscription;

function setup() {
  const recorded: EventInput[][] = [];
  const events = strictMock<EventsService>({
    recordMany: async (_m, inputs) => {
      recorded.push([...inputs]);
      return [];
    },
  });
  const service = new ChargeEvents(events);
  return { service, recorded };
}
const m = strictMock<EntityManager>();

describe('event types', () => {
  it('names a charge’s new status, refunds included, and no event for an intent', () => {
    expect(
      (['succeeded', 'failed', 'pending', 'unknown', 'canceled', 'partially_canceled', 'sending'] as const).map(
        chargeEventType,
      ),
    ).toEqual([
      'charge.succeeded',
      'charge.failed',
      'charge.pending',
      'charge.unknown',
      'charge.refunded',
      'charge.refunded',
      null,
    ]);
  });

  it('activates on the first success of an incomplete subscription, renews after, and is silent on schedule moves', () => {
    expect(subscriptionEventType({ status: 'active' }, { status: 'incomplete', cycle: 0 })).toBe(
      'subscription.activated',
    );
    expect(subscriptionEventType({ status: 'active' }, { status: 'past_due', cycle: 3 })).toBe('subscription.renewed');
    expect(subscriptionEventType({ status: 'active' }, { status: 'active', cycle: 1 })).toBe('subscription.renewed');
    expect(subscriptionEventType({ status: 'past_due' }, { status: 'past_due', cycle: 1 })).toBe(
      'subscription.past_due',
    );
    expect(subscriptionEventType({ status: 'canceled' }, { status: 'active', cycle: 1 })).toBe('subscription.canceled');
    expect(subscriptionEventType({ nextChargeAt: null }, { status: 'active', cycle: 1 })).toBeNull();
    expect(subscriptionEventType({ status: 'incomplete' }, { status: 'incomplete', cycle: 0 })).toBeNull();
  });
});

describe('ChargeEvents.recordResults', () => {
  it('one recordMany for what changed status, each with the row as patched; a look-up that finds it unchanged is silent', async () => {
    const s = setup();
    const snapshot = {
      charges: new Map([
        ['chg_1', charge('chg_1')],
        ['chg_2', charge('chg_2', { status: 'pending' })],
      ]),
      subscriptions: new Map([['sub_1', sub()]]),
    };
    await s.service.recordResults(m, snapshot, [
      { kind: 'charge', id: 'chg_1', patch: { status: 'failed', failureCode: 'DECLINED', updatedAt: NOW } },
      { kind: 'charge', id: 'chg_2', patch: { status: 'pending', lookupAttempts: 2, updatedAt: NOW } },
      { kind: 'subscription', id: 'sub_1', patch: { status: 'past_due', attempt: 2, nextChargeAt: NOW } },
      { kind: 'charge', id: 'chg_unknown', patch: { status: 'succeeded' } },
    ]);
    expect(s.recorded).toHaveLength(1);
    expect(s.recorded[0].map((e) => [e.type, e.objectType, e.objectId])).toEqual([
      ['charge.failed', 'charge', 'chg_1'],
      ['subscription.past_due', 'subscription', 'sub_1'],
    ]);
    expect(s.recorded[0][0].object).toMatchObject({ id: 'chg_1', status: 'failed', failureCode: 'DECLINED' });
    expect(s.recorded[0][1].object).toMatchObject({ id: 'sub_1', status: 'past_due', attempt: 2 });
  });

  it('a charge named twice in one batch gets an event per change, from the state the first left it in', async () => {
    const s = setup();
    const snapshot = { charges: new Map([['chg_1', charge('chg_1')]]), subscriptions: new Map() };
    await s.service.recordResults(m, snapshot, [
      { kind: 'charge', id: 'chg_1', patch: { status: 'unknown' } },
      { kind: 'charge', id: 'chg_1', patch: { status: 'unknown' } },
      { kind: 'charge', id: 'chg_1', patch: { status: 'succeeded' } },
    ]);
    expect(s.recorded[0].map((e) => e.type)).toEqual(['charge.unknown', 'charge.succeeded']);
  });
});

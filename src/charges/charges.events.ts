import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventsService, type EventInput } from '../events/events.service';
import { Subscription } from '../subscriptions/subscription.entity';
import type { SubscriptionPatch } from '../subscriptions/subscription.transitions';
import { subscriptionEvent } from '../subscriptions/subscription.events';
import { Charge, type ChargeStatus } from './charge.entity';
import type { ChargePatch } from './charge.outcomes';
import { toCancelView, toChargeView } from './charges.mapper';
import { ChargeCancel } from './charge-cancel.entity';

/** The event a charge's new status makes (null: `sending` is an intent, not a result). */
export function chargeEventType(status: ChargeStatus): string | null {
  switch (status) {
    case 'succeeded':
    case 'failed':
    case 'pending':
    case 'unknown':
      return `charge.${status}`;
    case 'canceled':
    case 'partially_canceled':
      return 'charge.refunded';
    case 'sending':
      return null;
  }
}

/**
 * The event a charge result's subscription patch makes. A first successful charge (cycle 0) activates, a later one
 * renews; a retry scheduled after a decline is past due (again); the end of dunning or a hard decline cancels. A patch
 * that only moves the schedule (blocked, resend), or keeps an incomplete subscription incomplete, is no event: the
 * charge's own event says what happened.
 */
export function subscriptionEventType(
  patch: SubscriptionPatch,
  before: Pick<Subscription, 'status' | 'cycle'>,
): string | null {
  switch (patch.status) {
    case 'active':
      return before.cycle === 0 && before.status === 'incomplete' ? 'subscription.activated' : 'subscription.renewed';
    case 'past_due':
      return 'subscription.past_due';
    case 'canceled':
      return before.status === 'canceled' ? null : 'subscription.canceled';
    default:
      return null;
  }
}

/** The rows a batch of results is about, as they were before it, locked for the rest of the transaction. */
export interface ResultSnapshot {
  readonly charges: Map<string, Charge>;
  readonly subscriptions: Map<string, Subscription>;
}

export type ResultChange =
  { kind: 'charge'; id: string; patch: ChargePatch } | { kind: 'subscription'; id: string; patch: SubscriptionPatch };

/**
 * Events of charge results (ChargesRepository.recordResults): the repository reads the rows (and on PostgreSQL locks
 * them, in id order, charges before subscriptions as the writes lock them) before the bulk writes, so each event names
 * what changed and the views are the rows with their patches applied; then one `recordMany` for the whole batch.
 */
@Injectable()
export class ChargeEvents {
  constructor(private readonly events: EventsService) {}

  /**
   * Events for the writes that applied, in order: each charge patch that moved its charge and each subscription patch
   * that was written. The snapshot follows the patches as they are applied (a charge named twice in a batch gets an
   * event per change of status).
   */
  async recordResults(m: EntityManager, snapshot: ResultSnapshot, changes: readonly ResultChange[]): Promise<void> {
    const inputs: EventInput[] = [];
    for (const c of changes) {
      if (c.kind === 'charge') {
        const before = snapshot.charges.get(c.id);
        if (!before) continue;
        const after: Charge = { ...before, ...c.patch };
        snapshot.charges.set(c.id, after);
        const type = c.patch.status && c.patch.status !== before.status ? chargeEventType(c.patch.status) : null;
        if (type) inputs.push(chargeEvent(type, after));
      } else {
        const before = snapshot.subscriptions.get(c.id);
        if (!before) continue;
        const after: Subscription = { ...before, ...c.patch };
        snapshot.subscriptions.set(c.id, after);
        const type = subscriptionEventType(c.patch, before);
        if (type) inputs.push(subscriptionEvent(type, after));
      }
    }
    await this.events.recordMany(m, inputs);
  }

  /**
   * A charge changed status outside a result write (a review resolution, a refund): its event, in the caller's
   * transaction. Nothing when the status did not change.
   */
  async chargeChanged(m: EntityManager, before: Pick<Charge, 'status'>, after: Charge): Promise<void> {
    const type = after.status !== before.status ? chargeEventType(after.status) : null;
    if (type) await this.events.record(m, chargeEvent(type, after));
  }

  /**
   * A cancel was created or finished: its event (`cancel.pending|succeeded|failed`), and `charge.refunded` when it
   * moved the charge's refunded total. Read back in the caller's transaction, after its writes.
   */
  async cancelChanged(m: EntityManager, cancelId: string, opts: { refunded: boolean }): Promise<void> {
    const cancel = await m.findOneBy(ChargeCancel, { id: cancelId });
    if (!cancel) return;
    const inputs: EventInput[] = [
      {
        merchantId: cancel.merchantId,
        type: `cancel.${cancel.status}`,
        objectType: 'cancel',
        objectId: cancel.id,
        object: { ...toCancelView(cancel), chargeId: cancel.chargeId },
      },
    ];
    if (opts.refunded) {
      const charge = await m.findOneBy(Charge, { id: cancel.chargeId });
      if (charge) inputs.push(chargeEvent('charge.refunded', charge));
    }
    await this.events.recordMany(m, inputs);
  }
}

export function chargeEvent(type: string, c: Charge): EventInput {
  return { merchantId: c.merchantId, type, objectType: 'charge', objectId: c.id, object: toChargeView(c) };
}

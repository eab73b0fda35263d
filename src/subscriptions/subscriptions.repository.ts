import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, Repository } from 'typeorm';
import { KeyRead } from '../database/key-read';
import { EventsService } from '../events/events.service';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { BILLABLE_STATUSES, Subscription } from './subscription.entity';
import { subscriptionEvent } from './subscription.events';

/** What PATCH and resume may set on a subscription. */
export type SubscriptionChange = Partial<
  Pick<
    Subscription,
    'billingKeyId' | 'gateway' | 'pendingPlanId' | 'riskContext' | 'nextChargeAt' | 'cancelAtPeriodEnd' | 'updatedAt'
  >
>;

/** Every query is scoped by merchant. Every state change writes its event in the same transaction. */
@Injectable()
export class SubscriptionsRepository {
  /** `GET /v1/subscriptions/{id}` is a hot read: its SQL is built once (see KeyRead). */
  private readonly byMerchantAndId: KeyRead<Subscription>;

  constructor(
    @InjectRepository(Subscription) private readonly subs: Repository<Subscription>,
    private readonly events: EventsService,
  ) {
    this.byMerchantAndId = new KeyRead(subs, ['merchantId', 'id']);
  }

  async insert(sub: Subscription): Promise<Subscription> {
    await this.subs.manager.transaction(async (m) => {
      await m.insert(Subscription, sub);
      await this.events.record(m, subscriptionEvent('subscription.created', sub));
    });
    return sub;
  }

  /** Newest first, up to `limit + 1` rows (see keysetPage). */
  list(
    merchantId: string,
    page: { limit: number; after?: CursorPosition; customerId?: string; status?: string },
  ): Promise<Subscription[]> {
    const { customerId, status, ...position } = page;
    return keysetPage(this.subs.createQueryBuilder('s'), { merchantId, ...position, filters: { customerId, status } });
  }

  findForMerchant(merchantId: string, id: string): Promise<Subscription | null> {
    return this.byMerchantAndId.one(merchantId, id);
  }

  /** Only the id and the stored STC keys (charges read them for their STC). */
  findRiskContexts(ids: readonly string[]): Promise<Array<Pick<Subscription, 'id' | 'riskContext'>>> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.subs.find({ select: { id: true, riskContext: true }, where: { id: In([...ids]) } });
  }

  /**
   * Cancels now. Bumping the lease version fences a run that holds the subscription: its result write then leaves the
   * subscription canceled (the charge itself is still recorded).
   */
  cancelNow(merchantId: string, id: string, now: Date): Promise<boolean> {
    return this.changed(merchantId, id, 'subscription.canceled', async (m) => {
      const r = await m
        .createQueryBuilder()
        .update(Subscription)
        .set({
          status: 'canceled',
          nextChargeAt: null,
          canceledAt: now,
          cancelReason: 'requested',
          updatedAt: now,
          leaseVersion: () => 'lease_version + 1',
        })
        .where('id = :id AND merchant_id = :merchantId', { id, merchantId })
        .andWhere('status IN (:...statuses)', { statuses: [...BILLABLE_STATUSES] })
        .execute();
      return r.affected === 1;
    });
  }

  /** False when it is canceled or already set to cancel at period end (nothing changed, no event). */
  cancelAtPeriodEnd(merchantId: string, id: string, now: Date): Promise<boolean> {
    return this.update(merchantId, id, { cancelAtPeriodEnd: false }, { cancelAtPeriodEnd: true, updatedAt: now });
  }

  /**
   * Sets `change` on a billable subscription that still matches `expected`, with its `subscription.updated` event.
   * False when nothing matched (canceled meanwhile, or not in the expected state).
   */
  update(
    merchantId: string,
    id: string,
    expected: Partial<Pick<Subscription, 'cancelAtPeriodEnd'>>,
    change: SubscriptionChange,
  ): Promise<boolean> {
    return this.changed(merchantId, id, 'subscription.updated', async (m) => {
      const r = await m.update(
        Subscription,
        { merchantId, id, status: In([...BILLABLE_STATUSES]), ...expected },
        change,
      );
      return r.affected === 1;
    });
  }

  /** Runs `write` in a transaction and, when it changed the row, records `type` with the row as written. */
  private changed(
    merchantId: string,
    id: string,
    type: string,
    write: (m: EntityManager) => Promise<boolean>,
  ): Promise<boolean> {
    return this.subs.manager.transaction(async (m) => {
      if (!(await write(m))) return false;
      const sub = await m.findOneByOrFail(Subscription, { merchantId, id });
      await this.events.record(m, subscriptionEvent(type, sub));
      return true;
    });
  }
}

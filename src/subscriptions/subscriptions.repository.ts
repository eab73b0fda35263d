import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { BILLABLE_STATUSES, Subscription } from './subscription.entity';

/** Every query is scoped by merchant. */
@Injectable()
export class SubscriptionsRepository {
  constructor(@InjectRepository(Subscription) private readonly subs: Repository<Subscription>) {}

  async insert(sub: Subscription): Promise<Subscription> {
    await this.subs.insert(sub);
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
    return this.subs.findOneBy({ merchantId, id });
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
  async cancelNow(merchantId: string, id: string, now: Date): Promise<boolean> {
    const r = await this.subs
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
  }

  async cancelAtPeriodEnd(merchantId: string, id: string, now: Date): Promise<boolean> {
    const r = await this.subs.update(
      { merchantId, id, status: In([...BILLABLE_STATUSES]) },
      { cancelAtPeriodEnd: true, updatedAt: now },
    );
    return r.affected === 1;
  }
}

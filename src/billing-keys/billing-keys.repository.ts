import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { EventsService } from '../events/events.service';
import { BillingKey, BillingKeyStatus } from './billing-key.entity';
import { toBillingKeyDto } from './billing-keys.views';

/** The statuses a key's event reports. */
const KEY_EVENTS: Partial<Record<BillingKeyStatus, string>> = {
  active: 'billing_key.activated',
  failed: 'billing_key.failed',
  revoked: 'billing_key.revoked',
};

/** Every read is scoped by merchant: another merchant's key does not exist here. */
@Injectable()
export class BillingKeysRepository {
  constructor(
    @InjectRepository(BillingKey) private readonly keys: Repository<BillingKey>,
    private readonly events: EventsService,
  ) {}

  insert(key: BillingKey): Promise<BillingKey> {
    return this.keys.save(this.keys.create(key));
  }

  findForMerchant(merchantId: string, id: string): Promise<BillingKey | null> {
    return this.keys.findOneBy({ merchantId, id });
  }

  /** Keys by id across merchants, for billing batches: the caller checks each key's merchant against its charge. */
  findManyByIds(ids: readonly string[]): Promise<BillingKey[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.keys.findBy({ id: In([...ids]) });
  }

  findByMerchantUid(merchantId: string, merchantUid: string): Promise<BillingKey | null> {
    return this.keys.findOneBy({ merchantId, merchantUid });
  }

  listForCustomer(merchantId: string, customerId: string): Promise<BillingKey[]> {
    return this.keys.find({ where: { merchantId, customerId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Compare-and-set on status: the update applies only if the key is still in `from`, so a webhook and a completion
   * racing on one key cannot both transition it. Returns whether this caller won. A move to active, failed or revoked
   * writes its event (`billing_key.activated|failed|revoked`) in the same transaction.
   */
  async transition(
    merchantId: string,
    id: string,
    from: BillingKeyStatus[],
    patch: Partial<BillingKey>,
  ): Promise<boolean> {
    const type = patch.status ? KEY_EVENTS[patch.status] : undefined;
    return this.keys.manager.transaction(async (m) => {
      const res = await m
        .createQueryBuilder()
        .update(BillingKey)
        .set(patch as QueryDeepPartialEntity<BillingKey>)
        .where('merchant_id = :merchantId AND id = :id', { merchantId, id })
        .andWhere('status IN (:...from)', { from })
        .execute();
      if ((res.affected ?? 0) === 0) return false;
      if (type) {
        const key = await m.findOneByOrFail(BillingKey, { merchantId, id });
        await this.events.record(m, {
          merchantId,
          type,
          objectType: 'billing_key',
          objectId: id,
          object: toBillingKeyDto(key),
        });
      }
      return true;
    });
  }

  /**
   * Pending keys due for a reconciler look-up: past the grace period after issuance (never looked up yet), or past
   * their next look-up; at most `maxAttempts` look-ups each.
   */
  findPendingDue(opts: {
    now: Date;
    issuedBefore: Date;
    maxAttempts: number;
    limit: number;
    merchantId?: string;
  }): Promise<BillingKey[]> {
    const qb = this.keys
      .createQueryBuilder('k')
      .where("k.status = 'pending'")
      .andWhere('k.lookup_attempts < :max', { max: opts.maxAttempts })
      .andWhere('((k.next_lookup_at IS NULL AND k.created_at <= :issuedBefore) OR k.next_lookup_at <= :now)', {
        issuedBefore: opts.issuedBefore,
        now: opts.now,
      })
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .take(opts.limit);
    if (opts.merchantId) qb.andWhere('k.merchant_id = :merchantId', { merchantId: opts.merchantId });
    return qb.getMany();
  }

  /** Claims one look-up of a pending key (schedules the next): false when another pass claimed it first. */
  async claimLookup(key: BillingKey, next: Date): Promise<boolean> {
    const attempts = key.lookupAttempts ?? 0;
    const res = await this.keys
      .createQueryBuilder()
      .update(BillingKey)
      .set({ lookupAttempts: attempts + 1, nextLookupAt: next })
      .where("id = :id AND status = 'pending' AND lookup_attempts = :attempts", { id: key.id, attempts })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  async update(merchantId: string, id: string, patch: Partial<BillingKey>): Promise<void> {
    await this.keys.update({ merchantId, id }, patch as QueryDeepPartialEntity<BillingKey>);
  }
}

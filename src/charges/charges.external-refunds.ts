import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { GatewayRegistry } from '@app/pg-contract';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import { ChargeCancel } from './charge-cancel.entity';
import { Charge } from './charge.entity';
import { paidStatus } from './charge.outcomes';
import { ChargeEvents } from './charges.events';

/** What a look-up did about a refund made outside the API. */
export type ExternalRefundResult = 'none' | 'recorded' | 'flagged' | 'unreadable';

/**
 * Refunds made outside our API (the PG's console) on a settled charge: the payment is re-fetched and, when the PG's
 * refunded total exceeds ours and no cancel of ours is under way, the difference is recorded as one `external`
 * cancel (already settled) and the charge takes the PG's total, in one transaction conditional on the charge not
 * having moved meanwhile. A total we cannot explain (less than ours, more than the charge, or while a cancel of ours
 * is reserved) is flagged for review, never guessed.
 */
@Injectable()
export class ExternalRefunds {
  private readonly logger = new Logger(ExternalRefunds.name);

  constructor(
    private readonly registry: GatewayRegistry,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: ChargeEvents,
  ) {}

  async apply(charge: Charge, credentials: unknown): Promise<ExternalRefundResult> {
    if (!charge.gatewayPaymentId) return 'none';
    const adapter = this.registry.require(charge.gateway, 'billingKeys');
    const outcome = await adapter.retrieve(credentials, {
      gatewayPaymentId: charge.gatewayPaymentId,
      reference: charge.merchantUid,
      expected: { amount: charge.amount, currency: charge.currency },
    });
    if (outcome.status !== 'SUCCEEDED') return 'unreadable'; // a failed read changes nothing; the next notice retries
    const refunded = outcome.refunded.amount;
    if (refunded === charge.refundedAmount) return 'none';
    const now = this.clock.now();
    const log = { chargeId: charge.id, merchantId: charge.merchantId, ours: charge.refundedAmount, pg: refunded };
    if (refunded < charge.refundedAmount || refunded > charge.amount || charge.refundReserved > 0) {
      await this.dataSource
        .getRepository(Charge)
        .update({ id: charge.id }, { review: true, reviewReason: 'EXTERNAL_REFUND_UNEXPLAINED', updatedAt: now });
      this.logger.error(log, 'the PG reports a refunded total we cannot explain: flagged for review');
      return 'flagged';
    }
    const cancel: ChargeCancel = {
      // Derived from the charge and the total it brings the charge to: two look-ups racing record it once.
      id: `chx_${createHash('sha256').update(`${charge.id}\n${refunded}`).digest('base64url').slice(0, 32)}`,
      merchantId: charge.merchantId,
      chargeId: charge.id,
      amount: refunded - charge.refundedAmount,
      currency: charge.currency,
      reason: 'Cancelled outside the API',
      status: 'succeeded',
      gatewayCancelId: null,
      failureCode: null,
      failureMessage: null,
      lookupAttempts: 0,
      nextLookupAt: null,
      review: false,
      external: true,
      createdAt: now,
      updatedAt: now,
      settledAt: now,
    };
    const recorded = await this.dataSource.transaction(async (em) => {
      const moved = await em
        .createQueryBuilder()
        .update(Charge)
        .set({ refundedAmount: refunded, status: paidStatus(charge.amount, refunded), updatedAt: now })
        .where('id = :id AND refunded_amount = :ours AND refund_reserved = 0', {
          id: charge.id,
          ours: charge.refundedAmount,
        })
        .andWhere('status IN (:...statuses)', { statuses: ['succeeded', 'partially_canceled'] })
        .execute();
      if (moved.affected !== 1) return false;
      await em.insert(ChargeCancel, cancel);
      await this.events.cancelChanged(em, cancel.id, { refunded: true });
      return true;
    });
    if (recorded) this.logger.warn(log, 'refund made outside the API recorded');
    return recorded ? 'recorded' : 'none';
  }
}

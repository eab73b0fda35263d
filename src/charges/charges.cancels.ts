import { Logger } from '@nestjs/common';
import { type GatewayRegistry, unknownOutcome } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import type { BillingConfig } from '../config/configuration';
import type { ChargeCancel } from './charge-cancel.entity';
import { cancelsProvenDone } from './charge-cancel.attribution';
import type { ChargesRepository } from './charges.repository';
import { newSendContext, type ChargeSender, type SendContext } from './charges.sending';
import type { Charge } from './charge.entity';
import { paidStatus } from './charge.outcomes';
import type { CancelChargeDto, ChargeView } from './dto/charge.dto';

/** The reads a cancel answers with (ChargesService's). */
export interface ChargeReads {
  require(merchantId: string, id: string): Promise<Charge>;
  view(merchantId: string, id: string, cancelId?: string): Promise<ChargeView>;
}

/** Cancels of paid charges, and finishing pending ones from the PG's refunded total. Part of ChargesService. */
export class ChargeCancels {
  // The facade's name, so log lines keep their context.
  private readonly logger = new Logger('ChargesService');

  constructor(
    private readonly repo: ChargesRepository,
    private readonly sender: ChargeSender,
    private readonly reads: ChargeReads,
    private readonly registry: GatewayRegistry,
    private readonly clock: Clock,
    private readonly config: BillingConfig,
  ) {}

  private get backoff(): readonly number[] {
    return this.config.reconcileBackoffMs;
  }

  /**
   * Cancels all or part of a paid charge. The amount is reserved against the refundable balance first (so it never
   * goes negative, even with concurrent cancels); a cancel the PG has not approved is reported as pending and
   * finished by the reconciler or a webhook.
   */
  async cancel(merchantId: string, chargeId: string, dto: CancelChargeDto): Promise<ChargeView> {
    const charge = await this.reads.require(merchantId, chargeId);
    if (charge.status !== 'succeeded' && charge.status !== 'partially_canceled') {
      throw new DomainError('CHARGE_NOT_CANCELABLE', `A ${charge.status} charge cannot be canceled`);
    }
    const balance = charge.amount - charge.refundedAmount - charge.refundReserved;
    const amount = dto.amount ?? balance;
    if (amount <= 0 || amount > balance) {
      throw new DomainError(
        'CANCEL_AMOUNT_EXCEEDS_BALANCE',
        `The refundable balance is ${balance} (minor units of ${charge.currency})`,
        [{ field: 'amount', refundable: balance, currency: charge.currency }],
      );
    }
    const now = this.clock.now();
    const cancel: ChargeCancel = {
      id: newId('ccl'),
      merchantId,
      chargeId: charge.id,
      amount,
      currency: charge.currency,
      reason: dto.reason,
      status: 'pending',
      gatewayCancelId: null,
      failureCode: null,
      failureMessage: null,
      lookupAttempts: 0,
      nextLookupAt: new Date(now.getTime() + (this.backoff[0] ?? 60_000)),
      review: false,
      createdAt: now,
      updatedAt: now,
      settledAt: null,
    };
    if (!(await this.repo.reserveCancel(cancel))) {
      throw new DomainError('CANCEL_AMOUNT_EXCEEDS_BALANCE', 'The refundable balance changed; nothing was canceled', [
        { field: 'amount' },
      ]);
    }
    // "Everything refundable" at the PG would include amounts other cancels are still waiting on: name the amount then.
    const outcome = await this.sendCancel(charge, cancel, dto.amount === undefined && charge.refundReserved === 0);
    const after = this.clock.now();
    switch (outcome.status) {
      case 'SUCCEEDED':
        await this.repo.finishCancel(
          cancel,
          {
            status: 'succeeded',
            gatewayCancelId: outcome.gatewayCancelId ?? null,
            nextLookupAt: null,
            settledAt: after,
            updatedAt: after,
          },
          {
            refundedAmount: outcome.totalRefunded.amount,
            status: paidStatus(charge.amount, outcome.totalRefunded.amount),
            now: after,
          },
        );
        break;
      case 'DECLINED':
      case 'NOT_SENT':
        await this.repo.finishCancel(
          cancel,
          {
            status: 'failed',
            failureCode: outcome.code.slice(0, 64),
            failureMessage: outcome.message.slice(0, 500),
            nextLookupAt: null,
            settledAt: after,
            updatedAt: after,
          },
          { now: after },
        );
        break;
      case 'PENDING':
        if (outcome.gatewayCancelId)
          await this.repo.updateCancel(cancel.id, { gatewayCancelId: outcome.gatewayCancelId, updatedAt: after });
        break;
      case 'UNKNOWN':
        // Maybe done, maybe not: the refunded total at the PG decides, on the look-up schedule; never re-sent blindly.
        break;
    }
    return this.reads.view(merchantId, charge.id, cancel.id);
  }

  private async sendCancel(charge: Charge, cancel: ChargeCancel, whole: boolean) {
    try {
      const adapter = this.registry.require(charge.gateway, 'cancel');
      const credentials = await this.sender.credentialsFor(charge.merchantId, charge.gateway, newSendContext());
      return await adapter.cancel(credentials, {
        gatewayPaymentId: charge.gatewayPaymentId ?? '',
        reference: charge.merchantUid,
        ...(whole ? {} : { amount: { amount: cancel.amount, currency: cancel.currency } }),
        reason: cancel.reason,
        cancelId: cancel.id,
        refundableBalance: { amount: charge.amount - charge.refundedAmount, currency: charge.currency },
      });
    } catch (err) {
      this.logger.error({ chargeId: charge.id, err: (err as Error).message }, 'cancel failed in the adapter');
      return unknownOutcome('unreadable_response', 'the adapter failed during the cancel');
    }
  }

  /**
   * Pending cancels are finished from the PG's refunded total: those whose amounts add up exactly to what the total
   * adds (cancelsProvenDone). The others wait for the next look-up, and after the last one are flagged for review.
   */
  async refreshCancels(charge: Charge, ctx: SendContext, scheduled = false): Promise<void> {
    const pending = await this.repo.pendingCancels(charge.id);
    if (pending.length === 0 || !charge.gatewayPaymentId) return;
    let refunded: number | undefined;
    try {
      const adapter = this.sender.adapterFor(charge.gateway);
      const credentials = await this.sender.credentialsFor(charge.merchantId, charge.gateway, ctx);
      const outcome = await adapter.retrieve(credentials, {
        gatewayPaymentId: charge.gatewayPaymentId,
        reference: charge.merchantUid,
        expected: { amount: charge.amount, currency: charge.currency },
      });
      if (outcome.status === 'SUCCEEDED') refunded = outcome.refunded.amount;
    } catch (err) {
      this.logger.error({ chargeId: charge.id, err: (err as Error).message }, 'cancel look-up failed');
    }
    const now = this.clock.now();
    // What the charge counts now (another path may have finished a cancel since `charge` was read).
    let confirmed = (await this.repo.findByIds([charge.id]))[0]?.refundedAmount ?? charge.refundedAmount;
    const done = new Set(refunded === undefined ? [] : cancelsProvenDone(pending, refunded - confirmed));
    for (const cancel of pending) {
      if (done.has(cancel)) {
        confirmed += cancel.amount;
        await this.repo.finishCancel(
          cancel,
          { status: 'succeeded', nextLookupAt: null, settledAt: now, updatedAt: now },
          {
            refundedAmount: confirmed,
            status: paidStatus(charge.amount, confirmed),
            now,
          },
        );
      } else if (scheduled) {
        const attempts = cancel.lookupAttempts + 1;
        const exhausted = attempts >= this.backoff.length;
        await this.repo.updateCancel(cancel.id, {
          lookupAttempts: attempts,
          nextLookupAt: exhausted ? null : new Date(now.getTime() + this.backoff[attempts]),
          review: exhausted,
          updatedAt: now,
        });
      }
    }
  }
}

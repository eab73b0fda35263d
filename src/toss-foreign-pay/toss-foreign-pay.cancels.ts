import type { Logger } from '@nestjs/common';
import type { CancelOutcome, Money, OneTimeAdapter } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import type { GatewayCredentialsService } from '../gateways/gateway-credentials.service';
import type { CancelTossOrderDto, TossOrderDto } from './dto/toss-order.dto';
import { TOSS_FOREIGN_PAY_CODE, type TossCredentials, type TossPaymentInspection } from './toss-foreign-pay.adapter';
import { tossError } from './toss-foreign-pay.errors';
import { cancelRefusalError } from './toss-foreign-pay.refusals';
import { CANCELABLE_STATUSES, type TossForeignPayRepository } from './toss-foreign-pay.repository';
import type { TossOrderCancel } from './toss-order-cancel.entity';
import type { TossOrder } from './toss-order.entity';

/** What cancels need from the order service. */
export interface TossCancelDeps {
  readonly repo: TossForeignPayRepository;
  readonly adapter: OneTimeAdapter<TossCredentials>;
  readonly credentials: GatewayCredentialsService;
  readonly clock: Clock;
  readonly logger: Logger;
  requireOrder(merchantId: string, orderId: string): Promise<TossOrder>;
  view(merchantId: string, orderId: string): Promise<TossOrderDto>;
  money(order: TossOrder): Money;
  applyTruth(order: TossOrder, inspection: TossPaymentInspection, creds: TossCredentials): Promise<void>;
}

/** Cancels of Toss orders: reserved against the balance before Toss is called, resolved by look-up when unanswered. */
export class TossOrderCancels {
  constructor(private readonly d: TossCancelDeps) {}


  /**
   * Cancels all (no amount) or part. The amount is reserved with a conditional UPDATE before Toss is called, so
   * concurrent cancels can never refund more than the balance; each attempt has its own stored Idempotency-Key.
   */
  async cancel(merchantId: string, orderId: string, dto: CancelTossOrderDto): Promise<TossOrderDto> {
    const order = await this.d.requireOrder(merchantId, orderId);
    if (!CANCELABLE_STATUSES.includes(order.status) || !order.paymentKey) {
      throw tossError('TOSS_ORDER_NOT_CANCELABLE', `An order in status ${order.status} cannot be cancelled`);
    }
    const remaining = order.amount - order.refundedAmount - order.reservedAmount;
    const amount = dto.amount ?? remaining;
    const exceeds = () =>
      tossError('TOSS_REFUND_EXCEEDS_BALANCE', 'The cancel exceeds the refundable balance', [
        { field: 'amount', errors: [`at most ${Math.max(0, order.amount - order.refundedAmount - order.reservedAmount)} is refundable now`] },
      ]);
    if (amount <= 0 || amount > remaining) throw exceeds();
    const now = this.d.clock.now();
    const id = newId('tfc');
    const cancel: TossOrderCancel = {
      id,
      orderId,
      merchantId,
      idempotencyKey: `tfp-cancel-${id}`,
      amount,
      currency: order.currency,
      kind: 'refund',
      // The whole payment untouched: Toss's own full cancel (no amount).
      full: dto.amount === undefined && order.refundedAmount === 0 && order.reservedAmount === 0,
      reason: dto.reason,
      status: 'requested',
      transactionKey: null,
      tossCancelStatus: null,
      failureCode: null,
      failureMessage: null,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.d.repo.reserveAndInsertCancel(cancel, now))) throw exceeds();

    const creds = await this.d.credentials.for<TossCredentials>(merchantId, TOSS_FOREIGN_PAY_CODE);
    const outcome = await this.d.adapter.cancel(creds, {
      gatewayPaymentId: order.paymentKey,
      reference: orderId,
      ...(cancel.full ? {} : { amount: { amount, currency: order.currency } }),
      reason: dto.reason,
      cancelId: cancel.idempotencyKey,
      refundableBalance: { amount: remaining, currency: order.currency },
    });
    await this.applyCancelOutcome(order, cancel, outcome, creds, false);
    return this.d.view(merchantId, orderId);
  }

  private async applyCancelOutcome(order: TossOrder, cancel: TossOrderCancel, outcome: CancelOutcome, creds: TossCredentials, isResend: boolean): Promise<void> {
    const from = isResend ? (['unknown'] as const) : (['requested'] as const);
    const now = this.d.clock.now();
    switch (outcome.status) {
      case 'SUCCEEDED':
        await this.d.repo.finishCancel(cancel, [...from, 'pending'], 'done', { transactionKey: outcome.gatewayCancelId ?? null, tossCancelStatus: 'DONE' }, now);
        return;
      case 'PENDING':
        await this.d.repo.transitionCancel(cancel.id, from, { status: 'pending', transactionKey: outcome.gatewayCancelId ?? null, tossCancelStatus: outcome.rawStatus, updatedAt: now });
        return;
      case 'DECLINED': {
        await this.d.repo.finishCancel(cancel, from, 'refused', { failureCode: outcome.code, failureMessage: outcome.message.slice(0, 500) }, now);
        throw cancelRefusalError(outcome.code, (code) =>
          this.d.logger.error({ orderId: order.id, merchantId: order.merchantId, tossCode: code }, 'Toss refused the cancel: check the merchant’s Toss configuration'),
        );
      }
      case 'NOT_SENT':
        if (isResend) return; // the original may still be on its way: keep it unknown and its amount reserved
        await this.d.repo.finishCancel(cancel, from, 'not_sent', { failureCode: outcome.code }, now);
        // Refused before sending (Toss would refuse it as invalid): the caller's input, not an outage.
        if (outcome.reason === 'invalid_request') throw new DomainError('VALIDATION_FAILED', 'The cancel request is invalid', [{ field: 'cancel', errors: [outcome.message] }]);
        if (outcome.reason === 'refused_by_pg' && !outcome.retryable) {
          this.d.logger.error({ orderId: order.id, merchantId: order.merchantId, tossCode: outcome.code }, 'Toss refused the cancel: check the merchant’s Toss configuration');
          throw tossError('TOSS_GATEWAY_MISCONFIGURED', 'The cancel could not be sent because of a payment configuration problem');
        }
        throw tossError('TOSS_GATEWAY_UNAVAILABLE', 'Toss could not be reached; nothing was refunded. Please try again.');
      default:
        // No answer: it may have been taken. Looked up (by the payment's cancels) before anything is re-sent.
        if (!isResend) {
          await this.d.repo.transitionCancel(cancel.id, ['requested'], { status: 'unknown', updatedAt: now });
          this.d.logger.warn({ orderId: order.id, merchantId: order.merchantId, cancelId: cancel.id }, 'Toss cancel outcome unknown: looking it up');
          await this.resolve(order, creds);
        }
    }
  }

  /**
   * Looks the payment up and applies its cancels. An `unknown` cancel that Toss does not list was never taken: it
   * is sent again with its own Idempotency-Key (so even a lagging original cannot refund twice).
   */
  async resolve(order: TossOrder, creds?: TossCredentials): Promise<void> {
    const c = creds ?? (await this.d.credentials.for<TossCredentials>(order.merchantId, TOSS_FOREIGN_PAY_CODE));
    const inspection = await this.d.adapter.inspect(c, { gatewayPaymentId: order.paymentKey! }, this.d.money(order), order.id);
    if (inspection.outcome.status !== 'SUCCEEDED' && inspection.outcome.status !== 'MISMATCH') return; // lookup failed: stay as is
    await this.d.applyTruth(order, inspection, c);
    const stillUnknown = (await this.d.repo.listCancels(order.merchantId, order.id)).filter((x) => x.status === 'unknown');
    for (const cancel of stillUnknown) {
      const outcome = await this.d.adapter.cancel(c, {
        gatewayPaymentId: order.paymentKey!,
        reference: order.id,
        ...(cancel.full ? {} : { amount: { amount: cancel.amount, currency: cancel.currency } }),
        reason: cancel.reason,
        cancelId: cancel.idempotencyKey,
      });
      try {
        await this.applyCancelOutcome(order, cancel, outcome, c, true);
      } catch (err) {
        // A refused re-send is recorded on the cancel; the caller gets the order, not an error.
        if (!(err instanceof DomainError)) throw err;
      }
    }
  }
}

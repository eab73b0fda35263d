import type { Logger } from '@nestjs/common';
import type { CancelOutcome, Money, OneTimeAdapter, PaymentInspection } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { OrderCancel } from './order-cancel.entity';
import type { Order } from './order.entity';
import { orderError } from './orders.errors';
import { CANCELABLE_STATUSES, type OrdersRepository } from './orders.repository';

/** What cancels need from the order service. */
export interface CancelDeps {
  readonly repo: OrdersRepository;
  readonly credentials: GatewayCredentialsService;
  readonly clock: Clock;
  readonly logger: Logger;
  adapterOf(gateway: string): OneTimeAdapter;
  requireOrder(merchantId: string, orderId: string): Promise<Order>;
  money(order: Order): Money;
  applyTruth(order: Order, inspection: PaymentInspection, creds: unknown): Promise<void>;
}

/** Cancels of orders: reserved against the balance before the PG is called, resolved by look-up when unanswered. */
export class OrderCancels {
  constructor(private readonly d: CancelDeps) {}

  /**
   * Cancels all (no amount) or part. The amount is reserved with a conditional UPDATE before the PG is called, so
   * concurrent cancels can never refund more than the balance; each attempt has its own stored idempotency key.
   */
  async cancel(merchantId: string, orderId: string, dto: { reason: string; amount?: number }): Promise<void> {
    const order = await this.d.requireOrder(merchantId, orderId);
    const adapter = this.d.adapterOf(order.gateway);
    const descriptor = adapter.descriptor;
    if (!CANCELABLE_STATUSES.includes(order.status) || !order.gatewayPaymentId) {
      throw orderError(descriptor, 'ORDER_NOT_CANCELABLE', `An order in status ${order.status} cannot be cancelled`);
    }
    const remaining = order.amount - order.refundedAmount - order.reservedAmount;
    const amount = dto.amount ?? remaining;
    const exceeds = () =>
      orderError(descriptor, 'REFUND_EXCEEDS_BALANCE', 'The cancel exceeds the refundable balance', [
        {
          field: 'amount',
          errors: [
            `at most ${Math.max(0, order.amount - order.refundedAmount - order.reservedAmount)} is refundable now`,
          ],
        },
      ]);
    if (amount <= 0 || amount > remaining) throw exceeds();
    const now = this.d.clock.now();
    const id = newId('tfc');
    const cancel: OrderCancel = {
      id,
      orderId,
      merchantId,
      idempotencyKey: `tfp-cancel-${id}`,
      amount,
      currency: order.currency,
      kind: 'refund',
      // The whole payment untouched: the PG's own full cancel (no amount).
      full: dto.amount === undefined && order.refundedAmount === 0 && order.reservedAmount === 0,
      reason: dto.reason,
      status: 'requested',
      gatewayCancelId: null,
      gatewayCancelStatus: null,
      failureCode: null,
      failureMessage: null,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.d.repo.reserveAndInsertCancel(cancel, now))) throw exceeds();

    const creds = await this.d.credentials.for(merchantId, order.gateway);
    const outcome = await adapter.cancel(creds, {
      gatewayPaymentId: order.gatewayPaymentId,
      reference: orderId,
      ...(cancel.full ? {} : { amount: { amount, currency: order.currency } }),
      reason: dto.reason,
      cancelId: cancel.idempotencyKey,
      refundableBalance: { amount: remaining, currency: order.currency },
    });
    await this.applyCancelOutcome(order, cancel, outcome, creds, false);
  }

  private async applyCancelOutcome(
    order: Order,
    cancel: OrderCancel,
    outcome: CancelOutcome,
    creds: unknown,
    isResend: boolean,
  ): Promise<void> {
    const descriptor = this.d.adapterOf(order.gateway).descriptor;
    const from = isResend ? (['unknown'] as const) : (['requested'] as const);
    const now = this.d.clock.now();
    switch (outcome.status) {
      case 'SUCCEEDED':
        await this.d.repo.finishCancel(
          cancel,
          [...from, 'pending'],
          'done',
          { gatewayCancelId: outcome.gatewayCancelId ?? null, gatewayCancelStatus: 'DONE' },
          now,
        );
        return;
      case 'PENDING':
        await this.d.repo.transitionCancel(cancel.id, from, {
          status: 'pending',
          gatewayCancelId: outcome.gatewayCancelId ?? null,
          gatewayCancelStatus: outcome.rawStatus,
          updatedAt: now,
        });
        return;
      case 'DECLINED': {
        await this.d.repo.finishCancel(
          cancel,
          from,
          'refused',
          { failureCode: outcome.code, failureMessage: outcome.message.slice(0, 500) },
          now,
        );
        // By whose fault (the PG's table): an unknown refusal is never final, nothing was refunded in any case.
        const advice = this.d.adapterOf(order.gateway).describeRefusal('cancel', outcome.code);
        if (advice.operatorAlert) {
          this.d.logger.error(
            { orderId: order.id, merchantId: order.merchantId, gateway: order.gateway, pgCode: outcome.code },
            'the PG refused the cancel: check the merchant’s gateway configuration',
          );
        }
        throw orderError(descriptor, advice.error ?? 'PROVIDER_ERROR', advice.message, [
          { field: 'cancel', errors: [outcome.code] },
        ]);
      }
      case 'NOT_SENT':
        if (isResend) return; // the original may still be on its way: keep it unknown and its amount reserved
        await this.d.repo.finishCancel(cancel, from, 'not_sent', { failureCode: outcome.code }, now);
        // Refused before sending (the PG would refuse it as invalid): the caller's input, not an outage.
        if (outcome.reason === 'invalid_request')
          throw new DomainError('VALIDATION_FAILED', 'The cancel request is invalid', [
            { field: 'cancel', errors: [outcome.message] },
          ]);
        if (outcome.reason === 'refused_by_pg' && !outcome.retryable) {
          this.d.logger.error(
            { orderId: order.id, merchantId: order.merchantId, gateway: order.gateway, pgCode: outcome.code },
            'the PG refused the cancel: check the merchant’s gateway configuration',
          );
          throw orderError(
            descriptor,
            'GATEWAY_MISCONFIGURED',
            'The cancel could not be sent because of a payment configuration problem',
          );
        }
        throw orderError(
          descriptor,
          'GATEWAY_UNAVAILABLE',
          'The payment provider could not be reached; nothing was refunded. Please try again.',
        );
      default:
        // No answer: it may have been taken. Looked up (by the payment's cancels) before anything is re-sent.
        if (!isResend) {
          await this.d.repo.transitionCancel(cancel.id, ['requested'], { status: 'unknown', updatedAt: now });
          this.d.logger.warn(
            { orderId: order.id, merchantId: order.merchantId, cancelId: cancel.id },
            'cancel outcome unknown: looking it up',
          );
          await this.resolve(order, creds);
        }
    }
  }

  /**
   * Looks the payment up and applies its cancels. An `unknown` cancel that the PG does not list was never taken: it
   * is sent again with its own idempotency key (so even a lagging original cannot refund twice).
   */
  async resolve(order: Order, creds?: unknown): Promise<void> {
    const adapter = this.d.adapterOf(order.gateway);
    const c = creds ?? (await this.d.credentials.for(order.merchantId, order.gateway));
    const inspection = await adapter.inspect(
      c,
      { gatewayPaymentId: order.gatewayPaymentId! },
      this.d.money(order),
      order.id,
    );
    if (inspection.outcome.status !== 'SUCCEEDED' && inspection.outcome.status !== 'MISMATCH') return; // lookup failed: stay as is
    await this.d.applyTruth(order, inspection, c);
    const stillUnknown = (await this.d.repo.listCancels(order.merchantId, order.id)).filter(
      (x) => x.status === 'unknown',
    );
    for (const cancel of stillUnknown) {
      const outcome = await adapter.cancel(c, {
        gatewayPaymentId: order.gatewayPaymentId!,
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

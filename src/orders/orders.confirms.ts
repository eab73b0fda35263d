import type { Logger } from '@nestjs/common';
import type { Money, OneTimeAdapter, PaymentInspection, PaymentOutcome } from '@app/pg-contract';
import type { Counter } from 'prom-client';
import type { Clock } from '../clock/clock';
import { NotFoundError } from '../common/errors/domain.error';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { Order, OrderStatus } from './order.entity';
import { orderError, orderErrorCode } from './orders.errors';
import type { OrdersRepository } from './orders.repository';
import { redirectResult, type RedirectResult } from './orders.views';

const SETTLED: readonly OrderStatus[] = ['paid', 'partially_canceled', 'canceled', 'mismatch'];

/** What confirms need from the order service. */
export interface ConfirmDeps {
  readonly repo: OrdersRepository;
  readonly credentials: GatewayCredentialsService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly confirmOutcomes: Counter<'gateway' | 'outcome'>;
  adapterOf(gateway: string): OneTimeAdapter;
  reload(order: Order): Promise<Order>;
  money(order: Order): Money;
  applyTruth(order: Order, inspection: PaymentInspection, creds: unknown): Promise<void>;
}

/**
 * The success redirect and its confirm: the query is compared with the stored order before anything is sent, and the
 * order is claimed with a conditional UPDATE so that one confirm is sent however many redirects arrive, on however
 * many instances. A confirm without an answer is UNKNOWN and looked up, never failed.
 */
export class OrderConfirms {
  constructor(private readonly d: ConfirmDeps) {}

  async success(
    reference: string | undefined,
    pointer: Record<string, string>,
    gateway?: string,
  ): Promise<RedirectResult> {
    if (!reference)
      throw orderError(
        this.d.adapterOf(gateway!).descriptor,
        'REDIRECT_INVALID',
        'The payment redirect does not name an order.',
      );
    const found = await this.d.repo.findOrderForRedirect(reference);
    if (!found || (gateway && found.gateway !== gateway)) throw new NotFoundError('Order');
    let order: Order = found;
    const adapter = this.d.adapterOf(order.gateway);
    const descriptor = adapter.descriptor;

    const check = adapter.checkReturn({ reference: order.id, expected: this.d.money(order), pointer });
    if (!check.ok) {
      if (check.problem === 'pointer_invalid') {
        throw orderError(
          descriptor,
          'REDIRECT_INVALID',
          'The payment redirect has no valid payment key. Nothing was charged.',
          [{ field: 'paymentKey', errors: [check.code] }],
        );
      }
      // Never confirmed. The order is marked (and stays payable with an untampered redirect: nothing was charged).
      await this.d.repo.transition(order.id, ['created', 'failed'], {
        status: 'failed',
        failureCode: orderErrorCode(descriptor, 'AMOUNT_MISMATCH'),
        failureMessage: 'the success redirect amount differed from the order',
        flagReason: 'redirect_amount_mismatch',
        updatedAt: this.d.clock.now(),
      });
      this.d.logger.warn(
        {
          orderId: order.id,
          merchantId: order.merchantId,
          gateway: order.gateway,
          redirectAmount: String(pointer.amount ?? ''),
        },
        'success redirect amount differs from the order: not confirmed',
      );
      throw orderError(
        descriptor,
        'AMOUNT_MISMATCH',
        'The payment amount does not match the order. Nothing was charged; please start the payment again from the merchant’s page.',
        [{ field: 'amount', errors: ['does not match the order'] }],
      );
    }
    const gatewayPaymentId = check.gatewayPaymentId;

    if (SETTLED.includes(order.status)) {
      // The same redirect again (reload, back button): answer what happened, send nothing.
      if (order.gatewayPaymentId === gatewayPaymentId) return redirectResult(order);
      throw orderError(descriptor, 'ORDER_ALREADY_PAID', 'This order has already been paid.');
    }
    if (order.status === 'confirming') return redirectResult(order);
    if (order.status === 'unknown') {
      if (order.gatewayPaymentId !== gatewayPaymentId) return redirectResult(order);
      return redirectResult(await this.resolve(order, true));
    }

    const claimed = await this.d.repo.transition(order.id, ['created', 'failed'], {
      status: 'confirming',
      gatewayPaymentId,
      failureCode: null,
      failureMessage: null,
      updatedAt: this.d.clock.now(),
    });
    if (!claimed) return redirectResult(await this.d.reload(order));
    order = { ...order, status: 'confirming', gatewayPaymentId };

    const creds = await this.d.credentials.for(order.merchantId, order.gateway);
    const outcome = await adapter.confirm(creds, { reference: order.id, expected: this.d.money(order), pointer });
    return redirectResult(await this.applyOutcome(order, outcome, creds));
  }

  private async applyOutcome(order: Order, outcome: PaymentOutcome, creds: unknown): Promise<Order> {
    this.d.confirmOutcomes.inc({ gateway: order.gateway, outcome: outcome.status });
    const adapter = this.d.adapterOf(order.gateway);
    const descriptor = adapter.descriptor;
    switch (outcome.status) {
      case 'SUCCEEDED':
      case 'MISMATCH':
        await this.d.applyTruth(order, { outcome, cancels: [] }, creds);
        return this.d.reload(order);
      case 'DECLINED': {
        await this.d.repo.transition(order.id, ['confirming', 'unknown'], {
          status: 'failed',
          failureCode: outcome.code,
          failureMessage: outcome.message.slice(0, 500),
          gatewayStatus: outcome.rawStatus ?? null,
          updatedAt: this.d.clock.now(),
        });
        const advice = adapter.describeRefusal('confirm', outcome.code);
        if (advice.operatorAlert)
          this.d.logger.error(
            { orderId: order.id, merchantId: order.merchantId, gateway: order.gateway, pgCode: outcome.code },
            'confirm refused: check the merchant’s gateway configuration',
          );
        throw orderError(descriptor, advice.error ?? 'PAYMENT_DECLINED', advice.message, [
          { field: 'payment', errors: [outcome.code] },
        ]);
      }
      case 'NOT_SENT': {
        // Nothing happened at the PG: the order can be claimed again (the same idempotency key keeps a re-send safe).
        // The claimed PG id goes too: it may be another order's, and webhooks find orders by it.
        await this.d.repo.transition(order.id, ['confirming'], {
          status: 'created',
          gatewayPaymentId: null,
          updatedAt: this.d.clock.now(),
        });
        if (outcome.code === 'PAYMENT_KEY_MISMATCH') {
          this.d.logger.warn(
            { orderId: order.id, merchantId: order.merchantId, gateway: order.gateway },
            'success redirect carried another order’s payment id: not confirmed',
          );
          throw orderError(
            descriptor,
            'REDIRECT_INVALID',
            'The payment redirect does not belong to this order. Nothing was charged; please start the payment again.',
            [{ field: 'paymentKey', errors: [outcome.code] }],
          );
        }
        const advice = adapter.describeRefusal(
          'confirm',
          outcome.code,
          outcome.reason === 'refused_by_pg' && !outcome.retryable ? 401 : undefined,
        );
        if (outcome.reason === 'connection')
          throw orderError(
            descriptor,
            'GATEWAY_UNAVAILABLE',
            'The payment provider could not be reached. Nothing was charged; please try again.',
          );
        if (advice.operatorAlert || outcome.reason === 'invalid_request') {
          this.d.logger.error(
            { orderId: order.id, merchantId: order.merchantId, gateway: order.gateway, pgCode: outcome.code },
            'the PG refused the confirm: our configuration or request',
          );
        }
        throw orderError(descriptor, advice.error ?? 'GATEWAY_REQUEST_INVALID', advice.message, [
          { field: 'payment', errors: [outcome.code] },
        ]);
      }
      default:
        // UNKNOWN (timeout, 5xx, unreadable) or an unexpected PENDING: never failed; looked up right away.
        await this.d.repo.transition(order.id, ['confirming'], { status: 'unknown', updatedAt: this.d.clock.now() });
        this.d.logger.warn(
          { orderId: order.id, merchantId: order.merchantId, gateway: order.gateway, outcome: outcome.status },
          'confirm outcome unknown: looking it up',
        );
        return this.resolve({ ...order, status: 'unknown' }, true);
    }
  }

  /**
   * An `unknown` confirm: the payment is looked up by our reference. If the PG shows the checkout still waiting for
   * its confirm (the request never took effect) and `resend` is set, the same confirm is sent again under the same
   * idempotency key; a failed lookup leaves the order `unknown`.
   */
  async resolve(order: Order, resend: boolean): Promise<Order> {
    const adapter = this.d.adapterOf(order.gateway);
    const creds = await this.d.credentials.for(order.merchantId, order.gateway);
    const inspection = await adapter.inspect(creds, { reference: order.id }, this.d.money(order), order.id);
    const o = inspection.outcome;
    if (o.status === 'PENDING' && resend && order.gatewayPaymentId && o.gatewayPaymentId === order.gatewayPaymentId) {
      if (
        !(await this.d.repo.transition(order.id, ['unknown'], { status: 'confirming', updatedAt: this.d.clock.now() }))
      )
        return this.d.reload(order);
      const again = await adapter.confirm(creds, {
        reference: order.id,
        expected: this.d.money(order),
        // The redirect is gone: the PG id the claim stored stands for it.
        pointer: {},
        gatewayPaymentId: order.gatewayPaymentId,
      });
      if (again.status === 'UNKNOWN' || again.status === 'PENDING') {
        await this.d.repo.transition(order.id, ['confirming'], { status: 'unknown', updatedAt: this.d.clock.now() });
        return this.d.reload(order);
      }
      return this.applyOutcome({ ...order, status: 'confirming' }, again, creds);
    }
    await this.d.applyTruth(order, inspection, creds);
    return this.d.reload(order);
  }
}

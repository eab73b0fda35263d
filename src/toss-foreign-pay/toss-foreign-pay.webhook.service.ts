import { Injectable, Logger } from '@nestjs/common';
import { GatewayRegistry, type Money } from '@app/pg-contract';
import { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { GatewayCredentialsService, type TossCredentials } from '../gateways/gateway-credentials.service';
import { MerchantsService } from '../merchants/merchants.service';
import type { TossWebhookAckDto } from './dto/toss-order.dto';
import { TOSS_FOREIGN_PAY_DESCRIPTOR, type TossForeignPayAdapter } from './toss-foreign-pay.adapter';
import { TossForeignPayRepository } from './toss-foreign-pay.repository';
import { TossForeignPayService } from './toss-foreign-pay.service';
import type { TossOrder } from './toss-order.entity';

/**
 * Toss webhooks (unsigned): a pointer to re-fetch with the merchant's keys, applied through the order state machine
 * of TossForeignPayService (applyTruth), never trusted.
 */
@Injectable()
export class TossWebhookService {
  private readonly logger = new Logger(TossWebhookService.name);
  private readonly adapter: TossForeignPayAdapter;

  constructor(
    private readonly repo: TossForeignPayRepository,
    registry: GatewayRegistry,
    private readonly credentials: GatewayCredentialsService,
    private readonly merchants: MerchantsService,
    private readonly orders: TossForeignPayService,
    private readonly clock: Clock,
  ) {
    this.adapter = registry.require(TOSS_FOREIGN_PAY_DESCRIPTOR.code, 'oneTimePayments') as unknown as TossForeignPayAdapter;
  }

  /**
   * A Toss webhook for one merchant. The body is only a pointer: the payment is re-fetched with this merchant's keys
   * and applied like the redirect's answer. Deduplicated by transmission id; a body naming anything that is not this
   * merchant's changes nothing (and is acknowledged, so Toss stops retrying).
   */
  async webhook(merchantId: string, headers: Record<string, string | string[] | undefined>, body: unknown): Promise<TossWebhookAckDto> {
    const ignore = (reason: string): TossWebhookAckDto => {
      this.logger.log({ merchantId, reason }, 'Toss webhook ignored');
      return { received: true, applied: false, duplicate: false };
    };
    let creds: TossCredentials;
    try {
      await this.merchants.require(merchantId);
      creds = await this.credentials.toss(merchantId);
    } catch (err) {
      if (err instanceof DomainError) return ignore(err.code);
      throw err;
    }
    const input = { headers, body };
    const parsed = this.adapter.parseWebhook(creds, input);
    let order: TossOrder | null = null;
    let dedupKey: string | undefined;
    let eventType = 'unknown';
    if (parsed.kind === 'refetch') {
      dedupKey = parsed.dedupKey;
      eventType = parsed.event ?? eventType;
      if (parsed.gatewayPaymentId) order = await this.repo.findOrderByPaymentKey(merchantId, parsed.gatewayPaymentId);
      if (!order && parsed.reference) order = await this.repo.findOrder(merchantId, parsed.reference);
    } else {
      const pointer = this.adapter.cancelWebhookPointer(input);
      if (!pointer) return ignore(parsed.reason);
      dedupKey = pointer.dedupKey;
      eventType = 'CANCEL_STATUS_CHANGED';
      const cancel = await this.repo.findCancelByTransactionKey(merchantId, pointer.transactionKey);
      if (cancel) order = await this.repo.findOrder(merchantId, cancel.orderId);
    }
    if (!order) return ignore('no order of this merchant matches');

    let eventId: string | undefined;
    if (dedupKey) {
      eventId = newId('twh');
      const fresh = await this.repo.tryInsertWebhookEvent({ id: eventId, merchantId, transmissionId: dedupKey.slice(0, 200), eventType: eventType.slice(0, 40), orderId: order.id, receivedAt: this.clock.now() });
      if (!fresh) return { received: true, applied: false, duplicate: true };
    }
    try {
      const inspection = await this.adapter.inspect(creds, order.paymentKey ? { gatewayPaymentId: order.paymentKey } : { reference: order.id }, this.money(order), order.id);
      if (inspection.outcome.status === 'UNKNOWN') throw new DomainError('TOSS_WEBHOOK_RETRY', 'The payment could not be re-fetched; retry later');
      await this.orders.applyTruth(order, inspection, creds);
      return { received: true, applied: inspection.outcome.status !== 'NOT_FOUND', duplicate: false };
    } catch (err) {
      // Not applied: forget the delivery so Toss's retry of it is.
      if (eventId) await this.repo.deleteWebhookEvent(eventId);
      throw err;
    }
  }

  private money(order: TossOrder): Money {
    return { amount: order.amount, currency: order.currency };
  }
}

import { Logger } from '@nestjs/common';
import type { Money, OneTimeAdapter, PaymentInspection } from '@app/pg-contract';
import type { Counter } from 'prom-client';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import { RefetchBudget } from '../webhook-inbox/refetch-budget';
import type { WebhookInboxRepository } from '../webhook-inbox/webhook-inbox.repository';
import type { Order } from './order.entity';
import { orderError } from './orders.errors';
import type { OrdersRepository } from './orders.repository';

/** Kept pointers drained per reconciler pass at most. */
const DRAIN_BATCH = 500;
const MAX_DRAIN_ATTEMPTS = 8;
/** The one public answer: it never tells whether an order exists or what was done (that is in metrics and logs). */
const ACK = Object.freeze({ received: true });

/** A gateway's webhook bounds (its registration entry may provide them; see ORDER_WEBHOOK_SETTINGS). */
export interface OrderWebhookSettings {
  /** Re-fetches one merchant's deliveries may cause per window. */
  readonly refetchLimit: number;
  readonly windowMs: number;
  /** How long applied deliveries are remembered for deduplication. */
  readonly eventRetentionMs: number;
}

/** What the pipeline of one gateway needs. */
export interface OrderWebhookDeps {
  readonly gateway: string;
  readonly adapter: OneTimeAdapter;
  readonly settings: OrderWebhookSettings;
  readonly repo: OrdersRepository;
  readonly credentials: GatewayCredentialsService;
  readonly merchants: MerchantsService;
  readonly orders: { applyTruth(order: Order, inspection: PaymentInspection, creds: unknown): Promise<void> };
  readonly clock: Clock;
  readonly inbox: WebhookInboxRepository;
  readonly metrics: MetricsService;
  /** Kept pointers per merchant at most (WEBHOOK_POINTER_CAP). */
  readonly pointerCap: number;
  /** Remembered deliveries removed per cleanup pass at most (WEBHOOK_CLEANUP_BATCH). */
  readonly cleanupBatch: number;
}

/** What one delivery points at: the order found, and what the body claims (for pointer deduplication). */
interface Target {
  order: Order;
  eventType: string;
  transmissionId: string | null;
  /** `p:` a payment's claimed status and cancel count; `c:` a cancel's claimed status. */
  pointerKey: string;
  claims: (truth: PaymentInspection) => boolean;
}

/** One re-fetch of an order in flight; deliveries for it meanwhile ask for one more after it (`again`). */
interface InFlight {
  done: Promise<void>;
  again: boolean;
}

/**
 * One gateway's one-time payment webhooks: a pointer (the adapter's `parseWebhook`) to re-fetch with the merchant's
 * keys (`inspect`), applied through the order state machine (applyTruth), never trusted. Bounded for a hostile caller:
 * - deduplicated by the PG's dedup key and by what the delivery points at (a pointer is remembered only when the
 *   re-fetch agreed with its claim, so a forged claim cannot mask the genuine delivery that follows);
 * - one re-fetch in flight per order: deliveries meanwhile wait for it and cause at most one more after it;
 * - a per-merchant re-fetch budget; past it the pointer is kept for the reconciler and answered 503;
 * - remembered deliveries expire (cleanupEvents);
 * - the answer is the same whether or not an order exists: `{ received: true }`, or 503 while the budget is spent.
 */
export class OrderWebhooks {
  private readonly logger = new Logger(OrderWebhooks.name);
  private readonly budget: RefetchBudget;
  private readonly inflight = new Map<string, InFlight>();
  private readonly deliveries: Counter<'gateway' | 'disposition'>;
  private readonly refetches: Counter<'gateway' | 'source'>;
  private readonly gateway: string;
  private readonly adapter: OneTimeAdapter;
  private readonly repo: OrdersRepository;
  private readonly credentials: GatewayCredentialsService;
  private readonly merchants: MerchantsService;
  private readonly orders: OrderWebhookDeps['orders'];
  private readonly clock: Clock;
  private readonly inbox: WebhookInboxRepository;

  constructor(private readonly d: OrderWebhookDeps) {
    ({
      gateway: this.gateway,
      adapter: this.adapter,
      repo: this.repo,
      credentials: this.credentials,
      merchants: this.merchants,
      orders: this.orders,
      clock: this.clock,
      inbox: this.inbox,
    } = d);
    this.budget = new RefetchBudget(d.settings.refetchLimit, d.settings.windowMs);
    this.deliveries = d.metrics.counter(
      'order_webhook_deliveries_total',
      'One-time payment webhook deliveries by gateway and what was done with them',
      ['gateway', 'disposition'],
    );
    this.refetches = d.metrics.counter(
      'order_webhook_refetches_total',
      'One-time payment re-fetches caused by webhooks, by gateway and source',
      ['gateway', 'source'],
    );
  }

  /** One delivery for one merchant. Throws `<prefix>_WEBHOOK_RETRY` (503) when it must be retried. */
  async receive(
    merchantId: string,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
  ): Promise<{ received: true }> {
    const disposition = await this.handle(merchantId, headers, body).catch((err: unknown) => {
      this.deliveries.inc({ gateway: this.gateway, disposition: err instanceof DomainError ? 'retry' : 'error' });
      throw err;
    });
    this.deliveries.inc({ gateway: this.gateway, disposition });
    return ACK;
  }

  private async handle(
    merchantId: string,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
  ): Promise<string> {
    let creds: unknown;
    try {
      await this.merchants.require(merchantId);
      creds = await this.credentials.for(merchantId, this.gateway);
    } catch (err) {
      if (err instanceof DomainError) return this.ignored(merchantId, err.code);
      throw err;
    }
    const target = await this.target(merchantId, headers, body, creds);
    const now = this.clock.now();
    // While the budget is spent every delivery is answered 503, whether or not it names an order (the answer must not
    // tell); only one naming an order is kept for the reconciler.
    if (!this.budget.open(merchantId, now.getTime())) {
      if (typeof target !== 'string') await this.keepForReconciler(target.order);
      throw this.retryLater();
    }
    if (typeof target === 'string') return this.ignored(merchantId, target);
    const { order } = target;
    if (target.transmissionId && (await this.repo.hasWebhookEvent(merchantId, target.transmissionId)))
      return 'duplicate';
    if (await this.repo.hasWebhookEvent(merchantId, target.pointerKey)) return 'duplicate';

    let truth: PaymentInspection | undefined;
    const running = this.inflight.get(order.id);
    if (!running && !this.budget.spend(merchantId, now.getTime())) {
      await this.keepForReconciler(order);
      throw this.retryLater();
    }
    try {
      if (running) {
        running.again = true;
        await running.done;
      } else {
        truth = await this.refetchCoalesced(order, creds);
      }
    } catch (err) {
      // The PG did not answer: keep the pointer for the reconciler and answer as for any delivery, so the answer does not
      // tell an existing order from an invented one. Only a pointer that could not be kept asks the PG to retry.
      if (!(err instanceof DomainError) || !(await this.keepForReconciler(order))) throw err;
      return 'kept';
    }
    await this.repo.rememberWebhookEvents([
      ...(target.transmissionId ? [this.event(order, target.transmissionId, target.eventType)] : []),
      // Remembered only when the PG agreed with the claim: a forged "CANCELED" must not mask the genuine one later.
      ...(truth && target.claims(truth) ? [this.event(order, target.pointerKey, target.eventType)] : []),
    ]);
    this.logger.log(
      {
        merchantId,
        orderId: order.id,
        eventType: target.eventType,
        applied: truth !== undefined,
        joined: running !== undefined,
      },
      'one-time payment webhook applied',
    );
    return running ? 'joined' : 'applied';
  }

  /**
   * The reconciler's pass over kept pointers: each due order is re-fetched if its merchant's budget pays for it, else
   * left for the next pass; failures are retried with a backoff and dropped after MAX_DRAIN_ATTEMPTS.
   */
  async drainKept(merchantId?: string): Promise<{ applied: number; deferred: number }> {
    const now = this.clock.now();
    const rows = await this.inbox.due(this.gateway, now, DRAIN_BATCH, merchantId);
    let applied = 0;
    let deferred = 0;
    for (const row of rows) {
      const order = row.reference ? await this.repo.findOrder(row.merchantId, row.reference) : null;
      if (!order || order.gateway !== this.gateway) {
        await this.inbox.remove([row.id]);
        continue;
      }
      if (!this.budget.spend(row.merchantId, now.getTime())) {
        deferred++;
        continue;
      }
      try {
        await this.refetchCoalesced(order, await this.credentials.for(row.merchantId, this.gateway), 'reconciler');
        await this.inbox.remove([row.id]);
        applied++;
      } catch (err) {
        this.logger.warn(
          { merchantId: row.merchantId, orderId: order.id, err: (err as Error).message },
          'kept webhook pointer not applied',
        );
        if (row.attempts + 1 >= MAX_DRAIN_ATTEMPTS) await this.inbox.remove([row.id]);
        else
          await this.inbox.reschedule(
            row.id,
            row.attempts + 1,
            new Date(now.getTime() + this.d.settings.windowMs * 2 ** row.attempts),
          );
      }
    }
    return { applied, deferred };
  }

  /** Removes remembered deliveries older than the retention, at most WEBHOOK_CLEANUP_BATCH per pass. */
  async cleanupEvents(): Promise<{ removed: number }> {
    const before = new Date(this.clock.now().getTime() - this.d.settings.eventRetentionMs);
    return { removed: await this.repo.deleteWebhookEventsBefore(before, this.d.cleanupBatch) };
  }

  /**
   * Re-fetches the order and applies the PG's answer; one in flight per order. Deliveries that arrive meanwhile set
   * `again`: the PG may have changed after this re-fetch was sent, so one more follows (paid from the budget; if the
   * budget is spent, the order is kept for the reconciler instead).
   */
  private async refetchCoalesced(
    order: Order,
    creds: unknown,
    source: 'webhook' | 'reconciler' = 'webhook',
  ): Promise<PaymentInspection> {
    const existing = this.inflight.get(order.id);
    if (existing) {
      existing.again = true;
      await existing.done;
      return this.refetch(order, creds, source);
    }
    const entry: InFlight = { done: Promise.resolve(), again: false };
    let first!: PaymentInspection;
    entry.done = (async () => {
      first = await this.refetch(order, creds, source);
      while (entry.again) {
        entry.again = false;
        if (!this.budget.spend(order.merchantId, this.clock.now().getTime())) {
          await this.keepForReconciler(order);
          return;
        }
        await this.refetch(order, creds, source);
      }
    })();
    this.inflight.set(order.id, entry);
    try {
      await entry.done;
    } finally {
      this.inflight.delete(order.id);
    }
    return first;
  }

  private async refetch(order: Order, creds: unknown, source: 'webhook' | 'reconciler'): Promise<PaymentInspection> {
    this.refetches.inc({ gateway: this.gateway, source });
    const current = (await this.repo.findOrder(order.merchantId, order.id)) ?? order;
    const inspection = await this.adapter.inspect(
      creds,
      current.gatewayPaymentId ? { gatewayPaymentId: current.gatewayPaymentId } : { reference: current.id },
      this.money(current),
      current.id,
    );
    if (inspection.outcome.status === 'UNKNOWN')
      throw this.retryLater('The payment could not be re-fetched; retry later');
    await this.orders.applyTruth(current, inspection, creds);
    return inspection;
  }

  /** What the delivery points at, or why it is ignored. Reads our tables only (no PG call). */
  private async target(
    merchantId: string,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
    creds: unknown,
  ): Promise<Target | string> {
    const parsed = this.adapter.parseWebhook(creds, { headers, body });
    if (parsed.kind !== 'refetch') return parsed.reason;
    // Namespaced apart from the pointer keys (`p:`/`c:`): a forged transmission id spelled like a pointer key must not
    // mark the genuine delivery of that state as seen.
    const transmissionId = parsed.dedupKey ? `t:${parsed.dedupKey}`.slice(0, 200) : null;
    const eventType = parsed.event ?? 'unknown';
    if (parsed.cancel) {
      const { gatewayCancelId, rawStatus } = parsed.cancel;
      const cancel = await this.repo.findCancelByTransactionKey(merchantId, gatewayCancelId);
      let order = cancel ? await this.repo.findOrder(merchantId, cancel.orderId) : null;
      // A cancel made outside our API is not ours: its payment, when the delivery names it, is re-fetched instead.
      if (!order && parsed.gatewayPaymentId)
        order = await this.repo.findOrderByPaymentKey(merchantId, parsed.gatewayPaymentId);
      if (!order || order.gateway !== this.gateway) return 'no order of this merchant matches';
      return {
        order,
        eventType,
        transmissionId,
        pointerKey: `c:${gatewayCancelId}:${rawStatus}`.slice(0, 200),
        claims: (t) => t.cancels.some((c) => c.gatewayCancelId === gatewayCancelId && c.rawStatus === rawStatus),
      };
    }
    let order: Order | null = null;
    if (parsed.gatewayPaymentId) order = await this.repo.findOrderByPaymentKey(merchantId, parsed.gatewayPaymentId);
    if (!order && parsed.reference) order = await this.repo.findOrder(merchantId, parsed.reference);
    if (!order || order.gateway !== this.gateway) return 'no order of this merchant matches';
    const claim = parsed.claim;
    return {
      order,
      eventType,
      transmissionId,
      pointerKey: `p:${order.id}:${claim ? `${claim.rawStatus}:${claim.cancelCount}` : eventType}`.slice(0, 200),
      // Without a claim there is nothing to agree with: only the transmission id deduplicates.
      claims: (t) =>
        !!claim &&
        t.outcome.status !== 'NOT_FOUND' &&
        'rawStatus' in t.outcome &&
        t.outcome.rawStatus === claim.rawStatus &&
        t.cancels.length === claim.cancelCount,
    };
  }

  /** False when the merchant is at the cap and nothing was kept. */
  private async keepForReconciler(order: Order): Promise<boolean> {
    const now = this.clock.now();
    const kept = await this.inbox.keepCapped(
      {
        merchantId: order.merchantId,
        gateway: this.gateway,
        dedupKey: `o:${order.id}`,
        reference: order.id,
        gatewayPaymentId: order.gatewayPaymentId,
        event: null,
      },
      this.d.pointerCap,
      now,
      now,
    );
    if (!kept)
      this.logger.warn(
        { merchantId: order.merchantId, orderId: order.id },
        'webhook pointer not kept: the merchant is at the cap',
      );
    return kept;
  }

  private event(order: Order, key: string, eventType: string) {
    return {
      id: newId('twh'),
      merchantId: order.merchantId,
      transmissionId: key,
      eventType: eventType.slice(0, 40),
      orderId: order.id,
      receivedAt: this.clock.now(),
    };
  }

  private ignored(merchantId: string, reason: string): string {
    this.logger.log({ merchantId, reason }, 'one-time payment webhook ignored');
    return 'ignored';
  }

  private money(order: Order): Money {
    return { amount: order.amount, currency: order.currency };
  }

  private retryLater(message = 'Too many webhooks for this merchant; retry later'): DomainError {
    // Counted by the delivery metrics; a refused burst is thousands of these.
    return orderError(this.adapter.descriptor, 'WEBHOOK_RETRY', message).quietly();
  }
}

import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { GatewayRegistry } from '@app/pg-contract';
import type { Counter } from 'prom-client';
import { ISSUANCE_REFERENCE_PREFIX } from '../billing-keys/billing-keys.issuance';
import type { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { ChargesService } from '../charges/charges.service';
import type { Clock } from '../clock/clock';
import { GatewayDomainError } from '../common/errors/domain.error';
import { Semaphore } from '../common/semaphore';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { WebhookInboxRepository, PointerToKeep } from '../webhook-inbox/webhook-inbox.repository';
import { WebhookAdmission, type WebhookPointer as Pointer } from './billing-key-webhooks.admission';

/**
 * What happened to one delivery (the metric label; never sent back to the unauthenticated caller). `rate_limited`:
 * the budget was spent and the pointer kept for the reconciler; `over_cap`: spent, and the merchant's kept pointers are
 * at the cap (nothing kept). Both are answered 503 so the PG retries where it retries.
 */
export type WebhookDisposition =
  'accepted' | 'malformed' | 'unknown_merchant' | 'duplicate' | 'rate_limited' | 'over_cap';

/** Kept pointers drained per reconciler pass at most (each costs a re-fetch from the merchant's budget). */
const DRAIN_BATCH = 500;
/** Kept pointers whose apply failed this many times are dropped (logged): the PG refuses them for good. */
const MAX_DRAIN_ATTEMPTS = 8;

const APPLY_CONCURRENCY = 16;
/** Charge pointers applied per batch: found with one query, then refreshed APPLY_CONCURRENCY at a time. */
const APPLY_BATCH = 500;
/**
 * A burst's charge pointers are applied together once it has passed: when none came for APPLY_QUIET_MS, or
 * APPLY_GATHER_MAX_MS after the first. A billing run brings one webhook per paid charge, interleaved with the answers
 * of its calls: one event-loop turn gathered only a few of them, so a run cost many small look-up queries, each among
 * the answers it delayed; a fixed short wait made fewer, larger batches, still among them (no better in the billing
 * benchmark). The wait delays nothing a client sees: the webhook is acknowledged at once, and a billing
 * charge's own result comes from its run.
 */
const APPLY_QUIET_MS = 2;
const APPLY_GATHER_MAX_MS = 25;

/** What differs between the billing-key gateways using this pipeline: names, limits, the retry error code. */
export interface BillingKeyWebhookOptions {
  /** The gateway code (the registry's adapter parses the deliveries). */
  readonly gateway: string;
  /** For logs (`PortOne`). */
  readonly label: string;
  /** Prefix of the metrics (`portone_webhook` → `portone_webhook_deliveries_total`). */
  readonly metricPrefix: string;
  /** Error code of the 503 asking the PG to retry (`WEBHOOK_RETRY`, or a gateway's own). */
  readonly retryCode: string;
  /** Re-fetches per merchant per window. */
  readonly limit: number;
  /** The window of the budget and of deduplication. */
  readonly windowMs: number;
  /** Kept pointers per merchant and gateway at most. */
  readonly cap: number;
}

/** Our answer to an accepted (or harmlessly dropped) delivery. */
export interface WebhookAck {
  received: boolean;
}

/**
 * Webhooks of a billing-key gateway (`POST /v1/webhooks/{gateway}/{merchantId}`). They are unsigned, so the body is a
 * pointer only: parsed by the gateway's adapter (`parseWebhook`), deduplicated (same dedup key within the window),
 * charged against a per-merchant re-fetch budget (an unverifiable flood cannot burn the merchant's PG quota),
 * acknowledged at once, then applied in the background through the same state machines as the API: billing-key
 * issuances by BillingKeysService, everything else by ChargesService. Both re-fetch from the PG with this merchant's
 * credentials, so a payment of another merchant (or none at all) is simply not found and changes nothing.
 *
 * The windows are per process: with several instances each has its own budget, which bounds the quota by
 * instances × limit; the state machines are idempotent, so a duplicate that slips through costs one re-fetch only.
 */
export class BillingKeyWebhooks implements OnModuleDestroy {
  protected readonly logger: Logger;
  private readonly deliveries: Counter<'disposition'>;
  private readonly applied: Counter<'result'>;
  private readonly inflight = new Set<Promise<void>>();
  /**
   * Accepted pointers applied at once, at most: a burst (a PayPal batch settling, a flood within the budget) queues
   * here instead of opening thousands of re-fetches together, which would time out behind each other and leave
   * the charges to the reconciler.
   */
  private readonly applying = new Semaphore(APPLY_CONCURRENCY);
  /**
   * Charge pointers waiting for the batched apply. Every paid charge of a billing run brings a webhook; reading each
   * charge on its own cost a query per webhook. One flush loop at a time: what arrives while it runs is the next batch.
   */
  private readonly chargeQueue: Array<{ merchantId: string; pointer: Pointer }> = [];
  private flushing = false;
  /** When the last charge pointer was queued (performance.now()): the burst has passed once this is quiet. */
  private lastQueuedAt = 0;
  private readonly windowMs: number;
  private readonly cap: number;
  /** The gateway code this pipeline serves. */
  readonly gateway: string;
  private readonly label: string;
  private readonly retryCode: string;
  /** Accepted pointers waiting for the one INSERT that keeps them all (see keepAccepted). */
  private keepQueue: Array<{ row: PointerToKeep; done: (err?: unknown) => void }> = [];
  private readonly admission: WebhookAdmission;

  constructor(
    registry: GatewayRegistry,
    merchants: MerchantsService,
    private readonly billingKeys: BillingKeysService,
    private readonly charges: ChargesService,
    private readonly clock: Clock,
    options: BillingKeyWebhookOptions,
    metrics: MetricsService,
    private readonly inbox: WebhookInboxRepository,
  ) {
    this.gateway = options.gateway;
    this.label = options.label;
    this.retryCode = options.retryCode;
    this.windowMs = options.windowMs;
    this.cap = options.cap;
    this.logger = new Logger(`${options.label} webhooks`);
    this.admission = new WebhookAdmission(registry, merchants, clock, options);
    this.deliveries = metrics.counter(
      `${options.metricPrefix}_deliveries_total`,
      `${options.label} webhook deliveries by what was done with them`,
      ['disposition'],
    );
    this.applied = metrics.counter(
      `${options.metricPrefix}_applied_total`,
      `${options.label} webhook pointers applied in the background, by result`,
      ['result'],
    );
  }

  /**
   * The HTTP answer to one delivery: `{ received: true }` whatever it pointed at, or the retry error (503) while the
   * merchant's budget is spent (the pointer is then kept for the reconciler) or the pointer could not be kept.
   */
  async answer(
    merchantId: string,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<WebhookAck> {
    const disposition = await this.receive(merchantId, body, headers);
    if (disposition === 'rate_limited' || disposition === 'over_cap')
      throw new GatewayDomainError(this.retryCode, 503, 'Too many webhooks for this merchant; retry later').quietly();
    return { received: true };
  }

  /**
   * Decides about one delivery without any PG call. An accepted pointer is kept durably (a crash after the 200 cannot
   * lose it), then applied in the background; one the budget cannot pay for is kept for the reconciler and answered
   * 503 (`rate_limited`, `over_cap`: the caller answers 503), so a forged flood can delay a genuine delivery, never drop it.
   */
  async receive(
    merchantId: string,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<WebhookDisposition> {
    const disposition = await this.admission.admit(merchantId, body, headers);
    let kind: WebhookDisposition = disposition.kind;
    if (disposition.kind === 'accepted') {
      try {
        await this.keepAccepted(this.toKeep(merchantId, disposition.pointer));
      } catch (err) {
        // Not kept: not remembered either, so the PG's retry is admitted again.
        this.admission.forget(merchantId, disposition.pointer.dedupKey);
        this.logger.error(
          { merchantId, err: (err as Error).message },
          `${this.label} webhook pointer could not be kept`,
        );
        this.deliveries.inc({ disposition: 'not_kept' });
        throw new GatewayDomainError(this.retryCode, 503, 'The webhook could not be recorded; retry later').quietly();
      }
      this.dispatch(merchantId, disposition.pointer);
    } else if (disposition.kind === 'rate_limited') {
      const now = this.clock.now();
      const p = disposition.pointer;
      // At the cap (a count within the last second said so): refused before any read, as a burst is refused.
      if (this.inbox.atCap(merchantId, this.gateway, now)) {
        this.deliveries.inc({ disposition: 'over_cap' });
        return 'over_cap';
      }
      // Only a pointer naming one of this merchant's issuances or charges is kept (one read, no PG call): forged ones
      // for made-up references cannot fill the per-merchant cap ahead of a genuine delivery. The answer is 503 either way.
      if (await this.isOurs(merchantId, p.reference)) {
        // An issuance is completed by its merchant_uid (see drainKept): one row per key, whatever id each names.
        const row = p.reference.startsWith(ISSUANCE_REFERENCE_PREFIX)
          ? { ...this.toKeep(merchantId, p), dedupKey: `issuance|${p.reference}` }
          : this.toKeep(merchantId, p);
        const kept = await this.inbox.keepCapped(row, this.cap, now, now);
        if (!kept) kind = 'over_cap';
      }
    }
    this.deliveries.inc({ disposition: kind });
    return kind;
  }

  /**
   * The reconciler's pass over kept pointers (budget refused, or accepted and not applied): each due one is applied
   * if the merchant's budget pays for its re-fetch, else left for the next pass. Applied ones are removed; failures
   * are retried with a backoff and dropped after MAX_DRAIN_ATTEMPTS.
   */
  async drainKept(merchantId?: string): Promise<{ applied: number; deferred: number }> {
    const now = this.clock.now();
    const rows = await this.inbox.due(this.gateway, now, DRAIN_BATCH, merchantId);
    const spend = (r: { merchantId: string }) => this.admission.spend(r.merchantId, now.getTime());
    const results = new Map<string, boolean>();
    let deferred = 0;
    const charges: typeof rows = [];
    for (const r of rows) {
      if (!r.reference)
        results.set(r.id, true); // nothing to apply
      else if (!r.reference.startsWith(ISSUANCE_REFERENCE_PREFIX)) charges.push(r);
      else {
        // An issuance is looked up by its merchant_uid, and only while its key is pending (no PG call otherwise).
        const res = await this.billingKeys
          .completeIssuanceByReference(r.merchantId, r.reference, () => spend(r))
          .catch(() => 'error' as const);
        if (res === 'deferred') deferred++;
        else if (res === 'not_a_billing_key') charges.push(r);
        else results.set(r.id, res !== 'error');
      }
    }
    const paid = charges.filter((r) => r.gatewayPaymentId && spend(r));
    deferred += charges.filter((r) => r.gatewayPaymentId).length - paid.length;
    for (const r of charges.filter((x) => !x.gatewayPaymentId)) results.set(r.id, true);
    if (paid.length > 0) {
      const out = await this.charges
        .handleGatewayNotifications(
          this.gateway,
          paid.map((r) => ({
            merchantId: r.merchantId,
            reference: r.reference!,
            gatewayPaymentId: r.gatewayPaymentId!,
            ...(r.refundNoticed ? { refundNoticed: true } : {}),
          })),
          APPLY_CONCURRENCY,
        )
        .catch(() => paid.map(() => 'error' as const));
      out.forEach((res, i) => results.set(paid[i].id, res !== 'error'));
    }
    const done = [...results].filter(([, ok]) => ok).map(([id]) => id);
    await this.inbox.remove(done);
    for (const r of rows.filter((x) => results.get(x.id) === false)) {
      if (r.attempts + 1 >= MAX_DRAIN_ATTEMPTS) {
        this.logger.error(
          { merchantId: r.merchantId, merchantUid: r.reference, impUid: r.gatewayPaymentId },
          `kept ${this.label} webhook pointer dropped after repeated failures`,
        );
        await this.inbox.remove([r.id]);
      } else {
        await this.inbox.reschedule(r.id, r.attempts + 1, new Date(now.getTime() + this.windowMs * 2 ** r.attempts));
      }
    }
    return { applied: done.length, deferred };
  }

  /** Resolves when every accepted delivery has been applied (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.drain();
  }

  private async isOurs(merchantId: string, reference: string): Promise<boolean> {
    return (
      (await this.billingKeys.isIssuance(merchantId, reference)) ||
      (await this.charges.isChargeOf(merchantId, reference))
    );
  }

  private toKeep(merchantId: string, p: Pointer): PointerToKeep {
    return {
      merchantId,
      gateway: this.gateway,
      dedupKey: p.dedupKey,
      reference: p.reference,
      gatewayPaymentId: p.gatewayPaymentId,
      event: p.event,
      refundNoticed: p.refundNoticed,
    };
  }

  /**
   * Keeps an accepted pointer before it is answered 200. The deliveries of one event-loop turn share one INSERT (a
   * billing run's webhooks arrive in bursts): a row per delivery, one statement per burst. The row is due for the
   * reconciler a window later, by when the background apply has normally removed it.
   */
  private keepAccepted(row: PointerToKeep): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.keepQueue.push({ row, done: (err) => (err ? reject(err) : resolve()) });
      if (this.keepQueue.length > 1) return;
      setImmediate(() => {
        const batch = this.keepQueue;
        this.keepQueue = [];
        const now = this.clock.now();
        this.inbox
          .keep(
            batch.map((b) => b.row),
            new Date(now.getTime() + this.windowMs),
            now,
          )
          .then(
            () => batch.forEach((b) => b.done()),
            (err: unknown) => batch.forEach((b) => b.done(err ?? new Error('keep failed'))),
          );
      });
    });
  }

  /**
   * Billing-key issuances (their merchant_uid has our issuance prefix) one by one, APPLY_CONCURRENCY at a time;
   * everything else, and an issuance reference that turns out not to be a key, to the charges' batched apply.
   */
  private dispatch(merchantId: string, pointer: Pointer): void {
    if (pointer.reference.startsWith(ISSUANCE_REFERENCE_PREFIX))
      this.track(this.applying.run(async () => void (await this.applyToBillingKey(merchantId, pointer))));
    else this.queueCharge(merchantId, pointer);
  }

  /** Errors are logged, never thrown. `fromWebhook`: a charge is queued and the kept row removed here. */
  private async applyToBillingKey(
    merchantId: string,
    pointer: Pointer,
    fromWebhook = true,
  ): Promise<'applied' | 'unchanged' | 'ignored' | 'not_a_billing_key' | 'error'> {
    const log = { merchantId, merchantUid: pointer.reference, impUid: pointer.gatewayPaymentId };
    try {
      const keyResult = await this.billingKeys.applyNotification(merchantId, this.gateway, {
        reference: pointer.reference,
        gatewayPaymentId: pointer.gatewayPaymentId,
      });
      if (keyResult === 'not_a_billing_key') {
        if (fromWebhook) this.queueCharge(merchantId, pointer);
        return keyResult;
      }
      this.applied.inc({ result: `billing_key_${keyResult}` });
      this.logger.log({ ...log, result: keyResult }, `${this.label} webhook applied to a billing key`);
      if (fromWebhook) await this.inbox.removeKept([this.toKeep(merchantId, pointer)]);
      return keyResult;
    } catch (err) {
      this.applied.inc({ result: 'error' });
      this.logger.error({ ...log, err: (err as Error).message }, `${this.label} webhook could not be applied`);
      return 'error';
    }
  }

  private queueCharge(merchantId: string, pointer: Pointer): void {
    this.chargeQueue.push({ merchantId, pointer });
    this.lastQueuedAt = performance.now();
    if (this.flushing) return;
    this.flushing = true;
    this.track(this.flushCharges());
  }

  private async flushCharges(): Promise<void> {
    // Real time (the business clock may be a test's, standing still).
    const first = performance.now();
    for (;;) {
      await new Promise<void>((resolve) => setTimeout(resolve, APPLY_QUIET_MS));
      const now = performance.now();
      if (now - this.lastQueuedAt >= APPLY_QUIET_MS || now - first >= APPLY_GATHER_MAX_MS) break;
    }
    for (;;) {
      const batch = this.chargeQueue.splice(0, APPLY_BATCH);
      if (batch.length === 0) {
        // Reset in the same synchronous step as the emptiness check: a pointer queued after it starts a new loop.
        this.flushing = false;
        return;
      }
      try {
        const results = await this.charges.handleGatewayNotifications(
          this.gateway,
          batch.map((b) => ({
            merchantId: b.merchantId,
            reference: b.pointer.reference,
            gatewayPaymentId: b.pointer.gatewayPaymentId,
            ...(b.pointer.refundNoticed ? { refundNoticed: true } : {}),
          })),
          APPLY_CONCURRENCY,
        );
        results.forEach((result, i) => {
          this.applied.inc({ result: result === 'error' ? 'error' : `charge_${result}` });
          const { merchantId, pointer } = batch[i];
          this.logger.log(
            { merchantId, merchantUid: pointer.reference, impUid: pointer.gatewayPaymentId, result },
            `${this.label} webhook handed to charges`,
          );
        });
        // One DELETE for the batch; a pointer that failed stays kept for the reconciler.
        await this.inbox.removeKept(
          batch.filter((_, i) => results[i] !== 'error').map((b) => this.toKeep(b.merchantId, b.pointer)),
        );
      } catch (err) {
        this.applied.inc({ result: 'error' }, batch.length);
        this.logger.error(
          { pointers: batch.length, err: (err as Error).message },
          `${this.label} webhooks could not be applied`,
        );
      }
    }
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}

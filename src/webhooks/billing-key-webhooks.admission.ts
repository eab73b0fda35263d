import type { GatewayRegistry } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import type { MerchantsService } from '../merchants/merchants.service';

/** Bounds of the in-memory windows, so a flood of distinct forged ids cannot grow memory without limit. */
const MAX_DEDUP_ENTRIES = 50_000;
const MAX_BUDGET_ENTRIES = 10_000;
const KNOWN_MERCHANT_TTL_MS = 60_000;

/** An admitted delivery's pointer: what is kept and applied. */
export interface WebhookPointer {
  reference: string;
  gatewayPaymentId: string;
  /** The adapter's dedup key (imp_uid|status|cancellation_id): the kept row's identity. */
  dedupKey: string;
  event: string | null;
  refundNoticed: boolean;
}

export type Admission =
  | { kind: 'malformed' | 'unknown_merchant' | 'duplicate' }
  | { kind: 'accepted' | 'rate_limited'; pointer: WebhookPointer };

/** What differs between gateways for admission: the adapter that parses, the budget and its window. */
export interface AdmissionOptions {
  readonly gateway: string;
  /** Re-fetches per merchant per window. */
  readonly limit: number;
  /** The window of the budget and of deduplication. */
  readonly windowMs: number;
}

/**
 * The front half of the billing-key webhook pipeline (BillingKeyWebhooks), with no PG call: a delivery is parsed by
 * the gateway's adapter, its merchant checked, deduplicated within the window and charged against the merchant's
 * re-fetch budget. The windows are per process (see BillingKeyWebhooks).
 */
export class WebhookAdmission {
  /** `${merchantId}|${dedupKey}` → expiry (ms), insertion-ordered. */
  private readonly seen = new Map<string, number>();
  /** merchantId → re-fetches used in the current fixed window. */
  private readonly budgets = new Map<string, { window: number; used: number }>();
  /** merchantId → until when it is known to exist. */
  private readonly knownMerchants = new Map<string, number>();
  /** merchantId → the merchant read under way: the deliveries that arrive meanwhile wait for it instead of each reading. */
  private readonly checkingMerchants = new Map<string, Promise<boolean>>();

  constructor(
    private readonly registry: GatewayRegistry,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
    private readonly options: AdmissionOptions,
  ) {}

  /** What to do with one delivery: the pointer comes back when it is accepted or only the budget refused it. */
  async admit(
    merchantId: string,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<Admission> {
    // parseWebhook reads no credentials for an unsigned gateway; it is pure and never throws.
    const parsed = this.registry.require(this.options.gateway, 'webhooks').parseWebhook(undefined, { headers, body });
    if (parsed.kind !== 'refetch' || !parsed.reference || !parsed.gatewayPaymentId) return { kind: 'malformed' };
    if (!(await this.merchantExists(merchantId))) return { kind: 'unknown_merchant' };

    const now = this.clock.now().getTime();
    const pointerKey = (parsed.dedupKey ?? `${parsed.gatewayPaymentId}|${parsed.event ?? ''}`).slice(0, 240);
    const pointer: WebhookPointer = {
      reference: parsed.reference,
      gatewayPaymentId: parsed.gatewayPaymentId,
      dedupKey: pointerKey,
      event: parsed.event?.slice(0, 40) ?? null,
      refundNoticed: parsed.refundNoticed === true,
    };
    const dedupKey = `${merchantId}|${pointerKey}`;
    const expiry = this.seen.get(dedupKey);
    if (expiry !== undefined && expiry > now) return { kind: 'duplicate' };
    if (!this.spend(merchantId, now)) return { kind: 'rate_limited', pointer };
    this.remember(dedupKey, now + this.options.windowMs, now);
    return { kind: 'accepted', pointer };
  }

  /** Forgets an admitted delivery (it could not be kept), so the PG's retry is admitted again. */
  forget(merchantId: string, dedupKey: string): void {
    this.seen.delete(`${merchantId}|${dedupKey}`);
  }

  private merchantExists(merchantId: string): Promise<boolean> | boolean {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(merchantId)) return false;
    if ((this.knownMerchants.get(merchantId) ?? 0) > this.clock.now().getTime()) return true;
    // One read per merchant at a time: when the entry has expired (or on the first burst after boot), every webhook of
    // a billing run's first round arrives before any read answers, and each would read on its own, in the middle of
    // that round's answers.
    let checking = this.checkingMerchants.get(merchantId);
    if (!checking) {
      checking = this.readMerchant(merchantId).finally(() => this.checkingMerchants.delete(merchantId));
      this.checkingMerchants.set(merchantId, checking);
    }
    return checking;
  }

  private async readMerchant(merchantId: string): Promise<boolean> {
    try {
      await this.merchants.require(merchantId);
    } catch {
      return false;
    }
    // Only hits are cached (merchants are never deleted): a burst of webhooks costs one merchant read, not one each.
    if (this.knownMerchants.size >= MAX_BUDGET_ENTRIES) this.knownMerchants.clear();
    this.knownMerchants.set(merchantId, this.clock.now().getTime() + KNOWN_MERCHANT_TTL_MS);
    return true;
  }

  /** One re-fetch from the merchant's budget of the current fixed window; false when it is spent. */
  spend(merchantId: string, now: number): boolean {
    const window = Math.floor(now / this.options.windowMs);
    const b = this.budgets.get(merchantId);
    if (!b || b.window !== window) {
      if (!b && this.budgets.size >= MAX_BUDGET_ENTRIES) {
        for (const [k, v] of this.budgets) if (v.window !== window) this.budgets.delete(k);
        // Still full of live windows: a new merchant waits until one ends rather than growing the map.
        if (this.budgets.size >= MAX_BUDGET_ENTRIES) return false;
      }
      this.budgets.set(merchantId, { window, used: 1 });
      return true;
    }
    if (b.used >= this.options.limit) return false;
    b.used++;
    return true;
  }

  private remember(key: string, expiry: number, now: number): void {
    this.seen.delete(key);
    this.seen.set(key, expiry);
    // Expiries are inserted in increasing order, so the oldest entries come first.
    for (const [k, v] of this.seen) {
      if (v > now && this.seen.size <= MAX_DEDUP_ENTRIES) break;
      this.seen.delete(k);
    }
  }
}

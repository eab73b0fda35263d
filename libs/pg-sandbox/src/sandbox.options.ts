/** Toss retries a webhook that did not get a 2xx after 1, 4, 16, 64, 256, 1024 and 4096 minutes. */
export const TOSS_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [1, 4, 16, 64, 256, 1024, 4096].map((m) => m * 60_000);

/**
 * Behaviour options of `createPgSandbox`. Everything is optional. The plugin-only ones (`PgSandboxOptions`) live in
 * `sandbox.plugin.ts`, because they name `PgSandbox` and this file must not import it back (file cycle).
 */
export interface SandboxBehaviourOptions {
  /** Every PG API and buyer call's response time, counted from its arrival (benchmarks); control endpoints are never delayed. Default 0. */
  latencyMs?: number;
  /** Base clock in epoch ms (default Date.now); the sandbox clock is this plus the advanced offset. */
  now?: () => number;
  /**
   * Sandbox time after which a Toss foreign-easy-pay cancel goes from IN_PROGRESS to DONE when no `pending` fault holds
   * it. Default 0: the cancel answer shows IN_PROGRESS and it completes on the next tick, as the real one does "soon".
   */
  tossCancelSettleMs?: number;
  /** Sandbox-time delays of Toss webhook retries. Default TOSS_WEBHOOK_RETRY_DELAYS_MS. */
  tossWebhookRetryDelaysMs?: readonly number[];
  /** Sandbox-time delays of PortOne webhook resends (a console option at PortOne: up to 5, a minute apart). Default none. */
  portoneWebhookRetryDelaysMs?: readonly number[];
  /** PortOne webhook body encoding (a console setting at PortOne). Default `json`. */
  portoneWebhookFormat?: 'json' | 'form';
  /** Per-attempt webhook timeout, real ms. Default 5000. */
  webhookTimeoutMs?: number;
  /** How long a timeout_after_commit fault holds a socket at most, real ms. Default 60000. */
  holdCapMs?: number;
  /**
   * Whether `GET /payments/{imp_uid}` hides sandbox payments unless `include_sandbox=true` (PortOne's behaviour since
   * 2026-01-26). Default true.
   */
  requireIncludeSandbox?: boolean;
  /** Webhook deliveries kept for `GET /sandbox/control/webhooks`. Default 10000. */
  webhookLogLimit?: number;
}

/** Options with defaults applied. */
export interface ResolvedSandboxOptions {
  latencyMs: number;
  now: () => number;
  tossCancelSettleMs: number;
  tossWebhookRetryDelaysMs: readonly number[];
  portoneWebhookRetryDelaysMs: readonly number[];
  portoneWebhookFormat: 'json' | 'form';
  webhookTimeoutMs: number;
  holdCapMs: number;
  requireIncludeSandbox: boolean;
  webhookLogLimit: number;
}

function nonNegative(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`pg-sandbox: ${name} must be a finite number >= 0`);
  return v;
}

/** Applies defaults and checks values. */
export function resolveSandboxOptions(o: SandboxBehaviourOptions = {}): ResolvedSandboxOptions {
  const delays = (name: string, v: readonly number[] | undefined, dflt: readonly number[]) => {
    const list = v ?? dflt;
    list.forEach((ms, i) => nonNegative(`${name}[${i}]`, ms, 0));
    return [...list];
  };
  if (o.portoneWebhookFormat !== undefined && o.portoneWebhookFormat !== 'json' && o.portoneWebhookFormat !== 'form') {
    throw new RangeError('pg-sandbox: portoneWebhookFormat must be json or form');
  }
  return {
    latencyMs: nonNegative('latencyMs', o.latencyMs, 0),
    now: o.now ?? Date.now,
    tossCancelSettleMs: nonNegative('tossCancelSettleMs', o.tossCancelSettleMs, 0),
    tossWebhookRetryDelaysMs: delays(
      'tossWebhookRetryDelaysMs',
      o.tossWebhookRetryDelaysMs,
      TOSS_WEBHOOK_RETRY_DELAYS_MS,
    ),
    portoneWebhookRetryDelaysMs: delays('portoneWebhookRetryDelaysMs', o.portoneWebhookRetryDelaysMs, []),
    portoneWebhookFormat: o.portoneWebhookFormat ?? 'json',
    webhookTimeoutMs: nonNegative('webhookTimeoutMs', o.webhookTimeoutMs, 5000),
    holdCapMs: nonNegative('holdCapMs', o.holdCapMs, 60_000),
    requireIncludeSandbox: o.requireIncludeSandbox ?? true,
    webhookLogLimit: Math.max(1, Math.floor(nonNegative('webhookLogLimit', o.webhookLogLimit, 10_000))),
  };
}

import { TOSS_BILLING_SANDBOX_API_PATH, TOSS_BILLING_SANDBOX_PREFIX } from './toss-billing.sandbox';
import type { TossBillingOptions } from './toss-billing.types';

/** Toss's API host (the same for every Toss product; the MID behind the keys decides what a call may do). */
export const TOSS_API_BASE_URL = 'https://api.tosspayments.com';

/** Where the app mounts this gateway's sandbox API, relative to the app's own origin. */
export const TOSS_BILLING_SANDBOX_PATH = `/sandbox/${TOSS_BILLING_SANDBOX_PREFIX}${TOSS_BILLING_SANDBOX_API_PATH}`;

/** The values of the app's validated `pg` and `app` configuration this gateway needs (read in the registration). */
export interface TossBillingOptionsSource {
  readonly sandbox: boolean;
  /** Where the app reaches itself (its local listener, not PUBLIC_BASE_URL). */
  readonly localOrigin: string;
  readonly tossBaseUrl?: string;
  readonly timeoutMs: number;
  readonly connectTimeoutMs?: number;
}

/**
 * The adapter's options from configuration: an explicit Toss base URL wins (Toss's one host serves both products);
 * in sandbox mode the in-process plugin; otherwise Toss itself. Pure, so the registration stays declarative.
 */
export function tossBillingOptions(src: TossBillingOptionsSource): TossBillingOptions {
  const baseUrl = src.tossBaseUrl
    ? onSandboxPath(src.tossBaseUrl)
    : src.sandbox
      ? `${src.localOrigin.replace(/\/+$/, '')}${TOSS_BILLING_SANDBOX_PATH}`
      : TOSS_API_BASE_URL;
  return {
    baseUrl,
    timeoutMs: src.timeoutMs,
    ...(src.connectTimeoutMs !== undefined ? { connectTimeoutMs: src.connectTimeoutMs } : {}),
  };
}

/**
 * A TOSS_BASE_URL that names another process's sandbox (`…/sandbox/toss`, as several-instance setups configure it)
 * reaches this gateway's API under its sub-path there, as in-process: the foreign-easy-pay plugin serves
 * `/v1/payments/…` on the shared prefix. Toss's own host has no such path, so a real URL is taken as it is.
 */
function onSandboxPath(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(`/sandbox/${TOSS_BILLING_SANDBOX_PREFIX}`)
    ? `${trimmed}${TOSS_BILLING_SANDBOX_API_PATH}`
    : trimmed;
}

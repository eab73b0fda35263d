import { createHash } from 'node:crypto';
import type { PortoneClock } from './portone.options';
import type { PortoneAccessToken, PortoneCredentials, PortoneResult } from './portone.types';

/** A token usable for a call, or why none could be had. */
export type TokenLookup =
  | { readonly kind: 'ok'; readonly token: string; readonly expiresAtMs: number }
  | Exclude<PortoneResult<never>, { kind: 'ok' }>;

/** What fetching a token produced, with the local time the request started. */
export interface TokenFetch {
  readonly startedAtMs: number;
  readonly result: PortoneResult<PortoneAccessToken>;
}

interface Entry {
  readonly token: string;
  /** Local-clock instant the token expires, derived from PortOne's own `now` to cancel clock skew. */
  readonly expiresAtMs: number;
}

const MAX_ENTRIES = 10_000;
/**
 * Digests by secret: hashing the secret on every call showed in billing-run profiles, and callers build a fresh
 * credentials object per call (so a memo by object identity never hit). Bounded like the entries.
 */
const digests = new Map<string, string>();

/**
 * Access tokens per merchant (imp_key + a digest of imp_secret, so a wrong secret never rides on a cached token),
 * refreshed a margin before they expire. Concurrent callers needing a token share one in-flight `getToken`.
 */
export class PortoneTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<TokenLookup>>();

  constructor(
    private readonly clock: PortoneClock,
    private readonly refreshMarginMs: number,
  ) {}

  /** The cache key of a credential pair (the secret only as a digest). */
  static keyOf(credentials: PortoneCredentials): string {
    let digest = digests.get(credentials.impSecret);
    if (digest === undefined) {
      digest = createHash('sha256').update(credentials.impSecret, 'utf8').digest('base64url');
      if (digests.size >= MAX_ENTRIES) digests.clear();
      digests.set(credentials.impSecret, digest);
    }
    return `${credentials.impKey}\u0000${digest}`;
  }

  /** A valid cached token, or the shared in-flight fetch (starting one when none runs). */
  get(key: string, fetch: () => Promise<TokenFetch>): Promise<TokenLookup> {
    const cached = this.entries.get(key);
    if (cached && this.clock.now().getTime() < cached.expiresAtMs - this.refreshMarginMs) {
      return Promise.resolve({ kind: 'ok', token: cached.token, expiresAtMs: cached.expiresAtMs });
    }
    const running = this.inflight.get(key);
    if (running) return running;
    const started = this.refresh(key, fetch).finally(() => this.inflight.delete(key));
    this.inflight.set(key, started);
    return started;
  }

  /**
   * Forgets `token` after PortOne refused it (401). Compare-and-delete: when concurrent callers all saw the same
   * refusal, only the first invalidation counts and a token fetched since is kept.
   */
  invalidate(key: string, token: string): void {
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
  }

  private async refresh(key: string, fetch: () => Promise<TokenFetch>): Promise<TokenLookup> {
    const { startedAtMs, result } = await fetch();
    if (result.kind !== 'ok') {
      this.entries.delete(key);
      return result;
    }
    // Lifetime by PortOne's clock, anchored at our clock when we asked: skew between the clocks cancels out, and the
    // request's own latency only makes us refresh a little early.
    const lifetimeMs = (result.data.expired_at - result.data.now) * 1000;
    const entry: Entry = { token: result.data.access_token, expiresAtMs: startedAtMs + lifetimeMs };
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    // A token that is already inside the margin is still used for the call that asked for it.
    return { kind: 'ok', token: entry.token, expiresAtMs: entry.expiresAtMs };
  }
}

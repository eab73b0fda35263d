import type { LookupFunction } from 'node:net';

/** Options of `TossClientModule` / `TossClient`. */
export interface TossClientOptions {
  /** Toss API origin (+ prefix): `https://api.tosspayments.com`, or `<origin>/sandbox/toss` for the sandbox. */
  readonly baseUrl: string;
  /** Time allowed, once connected, for Toss's full answer (confirm can take several seconds). */
  readonly timeoutMs: number;
  /** Time allowed to get a connected socket (default: the smaller of 5 s and `timeoutMs`). */
  readonly connectTimeoutMs?: number;
  /** Pinned `TossPayments-API-Version` (default `2022-11-16`): the Payment object differs between versions. */
  readonly apiVersion?: string;
  /** Upper bound of concurrent sockets to Toss (default 256). */
  readonly maxSockets?: number;
  /** Custom DNS lookup (tests, DNS caching). */
  readonly lookup?: LookupFunction;
}

/** Injection token of the resolved `TossClientOptions`. */
export const TOSS_CLIENT_OPTIONS = Symbol('TOSS_CLIENT_OPTIONS');

/** The API version this client's types describe. */
export const TOSS_DEFAULT_API_VERSION = '2022-11-16';

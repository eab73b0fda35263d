import type { LookupFunction } from 'node:net';

/** A source of the current time, injectable so tests can move it (the app's `Clock` fits). */
export interface PortoneClock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: PortoneClock = { now: () => new Date() };

/** Options of `PortoneClientModule` / `PortoneClient`. */
export interface PortoneClientOptions {
  /** PortOne V1 origin (+ prefix): `https://api.iamport.kr`, or `<origin>/sandbox/portone` for the sandbox. */
  readonly baseUrl: string;
  /** Time allowed, once connected, for PortOne's full answer (a PayPal charge can take several seconds). */
  readonly timeoutMs: number;
  /** Time allowed to get a connected socket (default: the smaller of 5 s and `timeoutMs`). */
  readonly connectTimeoutMs?: number;
  /** Send `include_sandbox=true` on `getPayment` (test-channel payments answer 404 without it). Default false. */
  readonly sandbox?: boolean;
  /** Refresh a cached token this long before it expires (default 30 s; keep it under PortOne's 1-minute extension window). */
  readonly tokenRefreshMarginMs?: number;
  /** Clock for the token expiry math (default: the wall clock). */
  readonly clock?: PortoneClock;
  /** Upper bound of concurrent sockets to PortOne (default 256). */
  readonly maxSockets?: number;
  /** Custom DNS lookup (tests, DNS caching). */
  readonly lookup?: LookupFunction;
}

/** Injection token of the resolved `PortoneClientOptions`. */
export const PORTONE_CLIENT_OPTIONS = Symbol('PORTONE_CLIENT_OPTIONS');

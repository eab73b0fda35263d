import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { bearer } from '../auth/api-key.guard';
import { Clock } from '../clock/clock';
import { appConfig, type AppConfig } from '../config/configuration';
import { SlidingWindowStorage } from './rate-limit.storage';

/** One counter per route handler and client address; a plain string (the library's default hashes it with SHA-256). */
export function rateLimitKey(context: ExecutionContext, tracker: string, throttler: string): string {
  return `${throttler}|${context.getClass().name}.${context.getHandler().name}|${tracker}`;
}

/**
 * The per-key throttler's tracker: a digest of the bearer key, never the key itself (the storage keeps its keys in
 * memory, and a heap dump or a debug line must not hold a usable key).
 */
export function apiKeyTracker(req: Record<string, unknown>): string {
  const key = bearer((req as { headers?: { authorization?: string } }).headers?.authorization);
  return key ? `key:${createHash('sha256').update(key).digest('base64url')}` : 'key:none';
}

const withoutKey = (context: ExecutionContext) =>
  !bearer(context.switchToHttp().getRequest<{ headers: { authorization?: string } }>().headers.authorization);

/**
 * Request limits per instance, enforced by the global ThrottlerGuard: per client address (`default`: THROTTLE_LIMIT
 * per THROTTLE_TTL_MS; the address is the socket's unless TRUST_PROXY names the proxy) and per API key across
 * addresses (`apiKey`: THROTTLE_KEY_LIMIT), so neither rotating addresses nor spreading a key over hosts escapes.
 * PG webhooks skip the address limit (@SkipThrottle): PGs deliver every merchant's webhooks from a few addresses;
 * they carry no key, so the key limit does not apply to them either.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [appConfig.KEY, Clock],
      useFactory: (app: AppConfig, clock: Clock) => ({
        throttlers: [
          { name: 'default', ttl: app.throttle.ttlMs, limit: app.throttle.limit },
          {
            name: 'apiKey',
            ttl: app.throttle.ttlMs,
            limit: app.throttle.keyLimit,
            getTracker: apiKeyTracker,
            skipIf: withoutKey,
          },
        ],
        storage: new SlidingWindowStorage(clock),
        generateKey: rateLimitKey,
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}

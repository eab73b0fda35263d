import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { appConfig, type AppConfig } from '../config/configuration';
import { SlidingWindowStorage } from './rate-limit.storage';

/** One counter per route handler and client address; a plain string (the library's default hashes it with SHA-256). */
export function rateLimitKey(context: ExecutionContext, tracker: string, throttler: string): string {
  return `${throttler}|${context.getClass().name}.${context.getHandler().name}|${tracker}`;
}

/**
 * Per-address request limits (THROTTLE_LIMIT per THROTTLE_TTL_MS, per instance), enforced by the global
 * ThrottlerGuard. PG webhooks skip it (@SkipThrottle): PGs deliver every merchant's webhooks from a few addresses.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [appConfig.KEY, Clock],
      useFactory: (app: AppConfig, clock: Clock) => ({
        throttlers: [{ ttl: app.throttle.ttlMs, limit: app.throttle.limit }],
        storage: new SlidingWindowStorage(clock),
        generateKey: rateLimitKey,
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}

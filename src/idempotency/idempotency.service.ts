import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { appConfig, type AppConfig } from '../config/configuration';
import { IdempotencyRepository } from './idempotency.repository';

/** A claim that ended before: replay its stored response. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type Claim = { kind: 'claimed'; id: string } | { kind: 'replay'; response: StoredResponse };

// An in-progress claim older than this is treated as abandoned by a crashed instance.
const ABANDONED_AFTER_MS = 5 * 60_000;

/**
 * `Idempotency-Key` for mutating merchant endpoints: same key + same request -> the first response; same key + other
 * request -> IDEMPOTENCY_KEY_REUSED; a retry while the first is still running -> IDEMPOTENCY_KEY_IN_PROGRESS.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  async claim(merchantId: string, key: string, method: string, url: string, body: unknown): Promise<Claim> {
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new DomainError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1-255 printable ASCII characters');
    }
    const requestHash = hashRequest(method, url, body);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.app.idempotencyTtlSeconds * 1000);
    const id = newId('idk');
    if (
      await this.repo.tryInsert({
        id,
        merchantId,
        key,
        requestHash,
        state: 'in_progress',
        responseStatus: null,
        responseBody: null,
        createdAt: now,
        expiresAt,
      })
    ) {
      return { kind: 'claimed', id };
    }
    const existing = await this.repo.find(merchantId, key);
    if (!existing) return this.claim(merchantId, key, method, url, body); // expired and deleted in between
    if (existing.requestHash !== requestHash) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
    }
    if (existing.state === 'completed') {
      return {
        kind: 'replay',
        response: { status: existing.responseStatus ?? 200, body: JSON.parse(existing.responseBody ?? 'null') },
      };
    }
    const staleBefore = new Date(now.getTime() - ABANDONED_AFTER_MS);
    if (await this.repo.takeOver(existing.id, id, staleBefore, expiresAt, now)) return { kind: 'claimed', id };
    throw new DomainError(
      'IDEMPOTENCY_KEY_IN_PROGRESS',
      'A request with this Idempotency-Key is still being processed; retry later',
    );
  }

  complete(id: string, response: StoredResponse): Promise<void> {
    return this.repo.complete(id, response.status, JSON.stringify(response.body ?? null));
  }

  /** The request ended without a result worth replaying (validation error, 5xx): the key can be used again. */
  release(id: string): Promise<void> {
    return this.repo.release(id);
  }
}

export function hashRequest(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** JSON with object keys sorted, so key order in the client's body does not matter. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

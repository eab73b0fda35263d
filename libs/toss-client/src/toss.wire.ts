import { z } from 'zod';
import { parseJson, type PgHttpOutcome, type PgInvalidRequest, pgString, redact, shapeProblem } from '@app/pg-http';
import type { ShapeValidator } from '@app/pg-http';
import type { TossResult } from './toss.types';

// The wire rules every Toss API shares, so each Toss product's client (foreign easy pay here, automatic billing in
// src/toss-billing) speaks them the same way.

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,300}$/;
const errorBodyShape = z.looseObject({ code: pgString, message: pgString });

/** The headers of one Toss call, and the strings no result may echo. */
export interface TossWireHeaders {
  readonly headers: Record<string, string>;
  readonly secrets: readonly string[];
}

/**
 * Builds a call's headers: Basic auth of `secretKey:` (the empty password after the colon is required, Toss API
 * auth guide), the pinned `TossPayments-API-Version`, and on a POST the JSON content type and the optional
 * `Idempotency-Key` (at most 300 characters, Toss idempotency guide).
 */
export function tossHeaders(
  secretKey: unknown,
  apiVersion: string,
  method: 'GET' | 'POST',
  idempotencyKey: unknown,
): TossWireHeaders | PgInvalidRequest {
  if (typeof secretKey !== 'string' || secretKey.trim() === '' || /[\r\n]/.test(secretKey))
    return invalidRequest('credentials.secretKey', 'a non-empty secret key is required');
  const basic = Buffer.from(`${secretKey}:`, 'utf8').toString('base64');
  const headers: Record<string, string> = { Authorization: `Basic ${basic}`, 'TossPayments-API-Version': apiVersion };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    if (idempotencyKey !== undefined) {
      if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))
        return invalidRequest('options.idempotencyKey', 'must be 1–300 printable ASCII characters without spaces');
      headers['Idempotency-Key'] = idempotencyKey;
    }
  }
  return { headers, secrets: [secretKey, basic] };
}

/**
 * Turns a transport outcome into a {@link TossResult}: 2xx must match `shape` (else `unknown`), 4xx with Toss's
 * `{ code, message }` is `pg_error`, 5xx is `unknown` (Toss may have done the work), anything unparseable is `unknown`.
 */
export function interpretTossOutcome<T>(
  outcome: PgHttpOutcome,
  shape: ShapeValidator,
  secrets: readonly string[] = [],
): TossResult<T> {
  if (outcome.kind !== 'response') return outcome;
  const { httpStatus, body } = outcome;
  const parsed = parseJson(body);
  if (httpStatus >= 200 && httpStatus < 300) {
    if (!parsed.ok)
      return { kind: 'unknown', reason: 'unparseable_body', detail: `HTTP ${httpStatus} body is not JSON`, httpStatus };
    const problem = shapeProblem(shape, parsed.value, 'body');
    if (problem) return { kind: 'unknown', reason: 'unexpected_shape', detail: problem, httpStatus };
    return { kind: 'ok', httpStatus, data: parsed.value as T };
  }
  const error =
    parsed.ok && shapeProblem(errorBodyShape, parsed.value, 'body') === null
      ? (parsed.value as { code: string; message: string })
      : null;
  if (httpStatus >= 500) {
    const base = { kind: 'unknown', reason: 'server_error', detail: `HTTP ${httpStatus}`, httpStatus } as const;
    return error ? { ...base, code: error.code, message: redact(error.message, secrets) } : base;
  }
  if (httpStatus >= 400) {
    if (!parsed.ok)
      return { kind: 'unknown', reason: 'unparseable_body', detail: `HTTP ${httpStatus} body is not JSON`, httpStatus };
    if (!error)
      return {
        kind: 'unknown',
        reason: 'unexpected_shape',
        detail: `HTTP ${httpStatus} body is not { code, message }`,
        httpStatus,
      };
    return { kind: 'pg_error', httpStatus, code: error.code, message: redact(error.message, secrets) };
  }
  return { kind: 'unknown', reason: 'unexpected_status', detail: `HTTP ${httpStatus}`, httpStatus };
}

/** A client's base URL: absolute http(s), no credentials in it; returned without trailing slashes. */
export function checkTossBaseUrl(owner: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${owner}: baseUrl must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${owner}: baseUrl must be an http(s) URL`);
  if (url.username || url.password) throw new Error(`${owner}: baseUrl must not carry credentials`);
  return value.replace(/\/+$/, '');
}

/** A positive number of milliseconds, or a boot-time error naming the option. */
export function checkTossTimeout(owner: string, name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${owner}: ${name} must be a positive number of milliseconds`);
  return value;
}

export function invalidRequest(field: string, message: string): PgInvalidRequest {
  return { kind: 'invalid_request', field, message };
}

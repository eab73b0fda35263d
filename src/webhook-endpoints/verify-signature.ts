import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signing and verifying `Billing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Standalone on purpose (only node:crypto): receivers copy or import this file as it is.
 */
export const SIGNATURE_HEADER = 'billing-signature';
export const EVENT_ID_HEADER = 'billing-event-id';

export function signPayload(rawBody: string | Buffer, secret: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export interface VerifyOptions {
  /** How far the signature's `t` may be from `now` (either way); default 300 s. */
  toleranceSeconds?: number;
  /** The receiver's current time; default the wall clock. */
  now?: Date;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };
export type VerifyFailure = 'malformed_header' | 'timestamp_out_of_tolerance' | 'signature_mismatch';

/**
 * Checks a delivery as received: `rawBody` exactly as it came off the wire (not re-serialised JSON), the
 * `Billing-Signature` header, and the endpoint's secret. Several `v1=` entries are accepted (any may match), so a
 * sender can sign with an old and a new secret at once.
 */
export function verifyBillingSignature(
  rawBody: string | Buffer,
  header: string | undefined | null,
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of (header ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed_header' };
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  const expected = Buffer.from(signPayload(rawBody, secret, timestamp).split('v1=')[1], 'hex');
  const match = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: 'signature_mismatch' };
}

import type { PortonePaymentStatus } from './portone.types';

/** A PortOne V1 webhook: a pointer to a payment whose state changed. Not signed: re-fetch the payment before acting. */
export interface PortoneWebhook {
  readonly imp_uid: string;
  readonly merchant_uid: string;
  /** The status at sending time (informational only: deliveries repeat and arrive out of order). */
  readonly status: PortonePaymentStatus;
  /** Present for cancels. */
  readonly cancellation_id?: string;
}

/** The result of {@link parsePortoneWebhook}. */
export type PortoneWebhookParseResult =
  | { readonly ok: true; readonly webhook: PortoneWebhook }
  | { readonly ok: false; readonly reason: 'unreadable_body' | 'invalid_field'; readonly detail: string };

/**
 * Validates a PortOne V1 webhook body `{ imp_uid, merchant_uid, status, cancellation_id? }`, sent as JSON or as
 * `application/x-www-form-urlencoded` depending on a console setting. Accepts a parsed object (from either body
 * parser), a raw string (JSON or urlencoded) or a Buffer. Pure: no I/O.
 */
export function parsePortoneWebhook(body: unknown): PortoneWebhookParseResult {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) {
      try {
        value = JSON.parse(text) as unknown;
      } catch {
        return { ok: false, reason: 'unreadable_body', detail: 'the body is neither JSON nor urlencoded' };
      }
    } else {
      const params = new URLSearchParams(text);
      const record: Record<string, string | string[]> = {};
      for (const key of new Set(params.keys())) {
        const all = params.getAll(key);
        record[key] = all.length === 1 ? all[0] : all;
      }
      value = record;
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'unreadable_body', detail: 'the body is not an object' };
  }
  const record = value as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const name of ['imp_uid', 'merchant_uid', 'status', 'cancellation_id']) {
    const raw = record[name];
    if (raw === undefined || raw === null || raw === '') {
      if (name === 'cancellation_id') continue;
      return { ok: false, reason: 'invalid_field', detail: `${name}: required` };
    }
    // Form bodies repeat keys into arrays; a pointer with two values for one field is not trustworthy.
    if (typeof raw !== 'string')
      return { ok: false, reason: 'invalid_field', detail: `${name}: expected a single string` };
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.length > 200)
      return { ok: false, reason: 'invalid_field', detail: `${name}: expected 1–200 characters` };
    fields[name] = trimmed;
  }
  return {
    ok: true,
    webhook: {
      imp_uid: fields.imp_uid,
      merchant_uid: fields.merchant_uid,
      status: fields.status,
      ...(fields.cancellation_id !== undefined && { cancellation_id: fields.cancellation_id }),
    },
  };
}

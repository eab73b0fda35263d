import type { WebhookInput, WebhookParseResult } from '@app/pg-contract';
import { parsePortoneWebhook } from '@app/portone-client';
import { MERCHANT_UID_MAX } from './portone-paypal-rt.helpers';

/**
 * PortOne posts `{ imp_uid, merchant_uid, status }` (JSON or form), unsigned. Only the ids are taken; the status only
 * names the event and keys deduplication, it is never applied: the core re-fetches the payment.
 */
export function parseRtWebhook(input: WebhookInput): WebhookParseResult {
  const parsed = parsePortoneWebhook(input.body ?? null);
  if (!parsed.ok) return { kind: 'ignore', reason: `${parsed.reason}: ${parsed.detail}` };
  const w = parsed.webhook;
  if (w.merchant_uid.length > MERCHANT_UID_MAX)
    return { kind: 'ignore', reason: 'merchant_uid longer than PortOne allows' };
  return {
    kind: 'refetch',
    gatewayPaymentId: w.imp_uid,
    reference: w.merchant_uid,
    event: `portone.${w.status}`.slice(0, 64),
    dedupKey: [w.imp_uid, w.status, w.cancellation_id ?? ''].join('|'),
    // A full cancel reads `cancelled`; a partial one keeps the payment `paid` and names a `cancellation_id` (the
    // OpenAPI's cancel_history; the digest's webhook body).
    ...(w.status === 'cancelled' || w.cancellation_id ? { refundNoticed: true } : {}),
  };
}

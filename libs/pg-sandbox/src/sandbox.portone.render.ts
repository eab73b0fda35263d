import { clip, PORTONE_MAX_LENGTH, toMajor } from './sandbox.format';
import type { ResolvedSandboxOptions } from './sandbox.options';
import type { CustomerRecord, Obj, PaymentRecord } from './sandbox.portone.model';
import type { WebhookJob } from './sandbox.webhooks';

/** The webhooks a PortOne payment event sends: one per notice_url, in the console's configured format. */
export function portoneWebhookJobs(
  options: ResolvedSandboxOptions,
  p: PaymentRecord,
  status: string,
  cancellationId?: string,
): WebhookJob[] {
  const body: Obj = { imp_uid: p.imp_uid, merchant_uid: p.merchant_uid, status };
  if (cancellationId) body.cancellation_id = cancellationId;
  return p.notice_urls.map((url) => ({
    gateway: 'portone' as const,
    account: p.account,
    url,
    event: status,
    body,
    format: options.portoneWebhookFormat,
    retryDelaysMs: options.portoneWebhookRetryDelaysMs,
  }));
}

/**
 * PaymentAnnotation (every field of the OpenAPI definition this flow has a value for); strings within its
 * maxLengths (checked by sandbox.portone.openapi.spec.ts against the official OpenAPI).
 */
export function renderPortonePayment(p: PaymentRecord, extension: boolean): Obj {
  const out: Obj = {
    imp_uid: p.imp_uid,
    merchant_uid: p.merchant_uid,
    pay_method: 'paypal',
    channel: p.channel,
    pg_provider: 'paypal_v2',
    emb_pg_provider: null,
    pg_tid: p.pg_tid,
    pg_id: p.pg_id,
    escrow: false,
    apply_num: null,
    bank_code: null,
    bank_name: null,
    card_code: null,
    card_name: null,
    card_issuer_code: null,
    card_issuer_name: null,
    card_publisher_code: null,
    card_publisher_name: null,
    card_quota: 0,
    card_number: null,
    card_type: null,
    vbank_code: null,
    vbank_name: null,
    vbank_num: null,
    vbank_holder: null,
    vbank_date: 0,
    vbank_issued_at: 0,
    name: clip(p.name, PORTONE_MAX_LENGTH.name),
    amount: toMajor(p.amountMinor, p.exponent),
    cancel_amount: toMajor(p.cancelMinor, p.exponent),
    currency: p.currency,
    buyer_name: clip(p.buyer.name, PORTONE_MAX_LENGTH.buyer_name),
    buyer_email: clip(p.buyer.email, PORTONE_MAX_LENGTH.buyer_email),
    buyer_tel: clip(p.buyer.tel, PORTONE_MAX_LENGTH.buyer_tel),
    buyer_addr: clip(p.buyer.addr, PORTONE_MAX_LENGTH.buyer_addr),
    buyer_postcode: clip(p.buyer.postcode, PORTONE_MAX_LENGTH.buyer_postcode),
    custom_data: p.custom_data,
    user_agent: p.channel === 'api' ? 'sorry_not_supported_anymore' : null,
    status: p.status,
    started_at: p.started_at,
    paid_at: p.paid_at,
    failed_at: p.failed_at,
    cancelled_at: p.cancelled_at,
    fail_reason: p.fail_reason,
    cancel_reason: p.cancel_reason,
    receipt_url: p.pg_tid ? `https://sandbox.invalid/portone/receipt/${p.imp_uid}` : null,
    cancel_history: p.cancel_history.map((c) => ({
      pg_tid: c.pg_tid,
      amount: toMajor(c.amountMinor, p.exponent),
      cancelled_at: c.cancelled_at,
      reason: c.reason,
      receipt_url: c.receipt_url,
      cancellation_id: c.cancellation_id,
    })),
    cancel_receipt_urls: p.cancel_history.map((c) => c.receipt_url),
    cash_receipt_issued: false,
    customer_uid: p.customer_uid,
    customer_uid_usage: p.customer_uid_usage,
    promotion: null,
    sandbox: true,
  };
  if (extension) {
    out.extension = { PaymentStatus: p.paypal.status, PendingReason: p.paypal.pendingReason ?? 'none' };
  }
  return out;
}

export function renderPortoneCustomer(c: CustomerRecord): Obj {
  // PayPal does not tell PortOne the funding source: every card field is null (x-portone-per-pg paypal_v2).
  return {
    customer_uid: c.customer_uid,
    pg_provider: 'paypal_v2',
    pg_id: c.pg_id,
    sandbox: true,
    customer_id: c.customer_id,
    card_name: null,
    card_code: null,
    card_issuer_code: null,
    card_issuer_name: null,
    card_publisher_code: null,
    card_publisher_name: null,
    card_number: null,
    card_type: null,
    customer_name: clip(c.name, PORTONE_MAX_LENGTH.customer_name),
    customer_tel: clip(c.tel, PORTONE_MAX_LENGTH.customer_tel),
    customer_email: clip(c.email, PORTONE_MAX_LENGTH.customer_email),
    customer_addr: null,
    customer_postcode: null,
    inserted: c.inserted,
    updated: c.updated,
  };
}

import { unixSeconds } from './sandbox.format';
import type { PgAnswer, PgContext } from './sandbox.http';
import {
  bodyOf,
  defaultPgId,
  PORTONE_KOREAN_BUYER_REASON,
  str,
  type Obj,
  type PaymentRecord,
  type PortoneDeps,
  type PortonePaymentIssuer,
} from './sandbox.portone.model';
import { parseBuyerRequest } from './sandbox.portone.requests';

/** The buyer's side of PortOne PayPal RT: `IMP.loadUI('paypal-rt', …)` and the PayPal window it opens. */
export class PortoneBuyerWindow {
  constructor(
    private readonly d: PortoneDeps,
    private readonly store: PortonePaymentIssuer,
  ) {}

  /**
   * What `IMP.loadUI('paypal-rt', request, callback)` and the buyer's PayPal window do: the issuance payment
   * (customer_uid_usage `issue`) is created, and the answer is what the callback receives.
   */
  billingKey(ctx: PgContext): PgAnswer {
    const b = bodyOf(ctx.req);
    const r = b.request as Obj;
    const buyer = b.buyer as Obj;
    const parsed = parseBuyerRequest(r, buyer);
    if ('bad' in parsed) return parsed.bad;
    const { outcome, pg, merchantUid, customerUid, urls, bypass } = parsed;
    if (this.store.paidAttempt(ctx.account, merchantUid)) {
      return {
        status: 200,
        body: {
          success: false,
          imp_uid: null,
          merchant_uid: merchantUid,
          error_msg: '이미 결제완료된 merchant_uid 입니다.',
        },
      };
    }

    const now = this.d.clock.now();
    const p = this.store.newPayment(ctx.account, merchantUid, {
      name: str(r.name),
      // amount and currency of a loadUI request are ignored: issuing a key charges nothing.
      currency: 'USD',
      exponent: 2,
      amountMinor: 0,
      channel: 'pc',
      pg_id: pg.includes('.') ? pg.slice(pg.indexOf('.') + 1) : defaultPgId(ctx.account),
      customer_uid: customerUid,
      customer_uid_usage: 'issue',
      notice_urls: urls,
      custom_data:
        r.custom_data === undefined || r.custom_data === null
          ? null
          : typeof r.custom_data === 'string'
            ? r.custom_data
            : JSON.stringify(r.custom_data),
      buyer: {
        name: str(r.buyer_name),
        email: str(buyer.email) ?? str(r.buyer_email),
        tel: str(r.buyer_tel),
        addr: null,
        postcode: null,
      },
    });
    p.issue = { customer_id: str(r.customer_id), stc: bypass ?? null };
    const nowS = unixSeconds(this.d.clock.now());
    const fail = (reason: string, label: string): PgAnswer => {
      p.status = 'failed';
      p.failed_at = nowS;
      p.fail_reason = reason;
      p.paypal = { status: 'Failed', pendingReason: null };
      this.issueLedger(now, p, label);
      return {
        status: 200,
        body: { success: false, imp_uid: p.imp_uid, merchant_uid: p.merchant_uid, error_msg: reason },
      };
    };
    if (buyer.country === 'KR') return fail(PORTONE_KOREAN_BUYER_REASON, 'failed');
    // Closing the window: no billing key. Reported as a failed issuance with the buyer's cancellation as the reason.
    if (outcome === 'cancel') return fail('[PayPal] 사용자가 결제를 취소하였습니다.', 'canceled');
    if (outcome === 'fail') return fail('[PayPal] 빌링키 발급에 실패하였습니다.', 'failed');
    const decided = this.store.decide(p, ctx);
    this.issueLedger(now, p, decided.label);
    const body =
      p.status === 'paid'
        ? { success: true, imp_uid: p.imp_uid, merchant_uid: p.merchant_uid }
        : { success: false, imp_uid: p.imp_uid, merchant_uid: p.merchant_uid, error_msg: p.fail_reason };
    return { status: 200, body, webhooks: decided.webhooks };
  }

  private issueLedger(now: number, p: PaymentRecord, outcome: string): void {
    const details = p.issue;
    this.d.ledger.append(now, {
      account: p.account,
      operation: 'issueBillingKey',
      outcome,
      merchant_uid: p.merchant_uid,
      customer_uid: p.customer_uid,
      customer_id: details?.customer_id ?? null,
      bypass: details?.stc ?? null,
      imp_uid: p.imp_uid,
      status: p.status,
      fail_reason: p.fail_reason,
    });
  }
}

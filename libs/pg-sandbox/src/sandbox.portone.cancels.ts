import {
  booleanish,
  newOpaqueId,
  newPaypalTransactionId,
  numberish,
  toMajor,
  toMinor,
  unixSeconds,
} from './sandbox.format';
import type { PgAnswer, PgContext } from './sandbox.http';
import {
  bodyOf,
  ok,
  refuseCancel,
  str,
  type Obj,
  type PaymentRecord,
  type PendingCancel,
  type PortoneDeps,
  type PortonePaymentStore,
} from './sandbox.portone.model';
import { portoneWebhookJobs, renderPortonePayment } from './sandbox.portone.render';
import type { WebhookJob } from './sandbox.webhooks';

/** PortOne `POST /payments/cancel`, its pending cancels and their settlement. */
export class PortoneCancels {
  constructor(
    private readonly d: PortoneDeps,
    private readonly store: PortonePaymentStore,
  ) {}

  /** `POST /payments/cancel`. */
  cancel(ctx: PgContext): PgAnswer {
    const b = bodyOf(ctx.req);
    const now = this.d.clock.now();
    let target: PaymentRecord | undefined;
    const record = (outcome: string, answer: PgAnswer, extra: Obj = {}): PgAnswer => {
      const env = answer.body as { code: number; message: string | null };
      this.d.ledger.append(now, {
        account: ctx.account,
        operation: 'cancel',
        outcome,
        imp_uid: target?.imp_uid ?? b.imp_uid ?? null,
        merchant_uid: target?.merchant_uid ?? b.merchant_uid ?? null,
        amount: b.amount,
        checksum: b.checksum,
        reason: b.reason,
        enable_webhook: b.enable_webhook,
        currency: target?.currency ?? null,
        code: env.code,
        message: env.message,
        ...extra,
      });
      return answer;
    };
    const impUid = str(b.imp_uid);
    const merchantUid = str(b.merchant_uid);
    if (!impUid && !merchantUid)
      return record('refused', refuseCancel('imp_uid 또는 merchant_uid 중 하나는 필수입니다.'));
    if (impUid) {
      const p = this.store.payments.get(impUid);
      target = p && p.account === ctx.account ? p : undefined;
    } else {
      const list = this.store.attempts(ctx.account, merchantUid!);
      this.d.work.count(list.length);
      target = this.store.paidAttempt(ctx.account, merchantUid!) ?? list[list.length - 1];
    }
    const p = target;
    if (!p) return record('refused', refuseCancel('취소할 결제건이 존재하지 않습니다.'));
    const amount = b.amount === undefined || b.amount === null ? 0 : numberish(b.amount);
    const requested = amount === undefined ? undefined : amount === 0 ? 0 : toMinor(amount, p.exponent);
    if (requested === undefined)
      return record('refused', refuseCancel(`amount는 0 이상의 ${p.currency} 금액이어야 합니다.`));
    const checksum = b.checksum === undefined || b.checksum === null ? undefined : numberish(b.checksum);
    if (b.checksum !== undefined && b.checksum !== null && checksum === undefined)
      return record('refused', refuseCancel('checksum은 숫자여야 합니다.'));
    const reason = str(b.reason);
    const enableWebhook = booleanish(b.enable_webhook) === true;
    if (p.status === 'cancelled') return record('refused', refuseCancel('이미 전액취소된 주문입니다.'));
    if (p.status !== 'paid') return record('refused', refuseCancel('결제완료 상태가 아니어서 취소할 수 없습니다.'));
    // checksum is the refundable balance PortOne has on record; cancels still waiting for approval are not in it.
    const balance = p.amountMinor - p.cancelMinor;
    if (checksum !== undefined && toMinor(checksum, p.exponent, true) !== balance) {
      return record(
        'refused',
        refuseCancel(`checksum이 취소 가능 잔액(${toMajor(balance, p.exponent)})과 일치하지 않습니다.`),
      );
    }
    const pendingSum = p.pending_cancels.reduce((s, c) => s + c.amountMinor, 0);
    const available = balance - pendingSum;
    const minor = requested === 0 ? available : requested;
    if (minor <= 0 || minor > available) {
      return record('refused', refuseCancel(`취소 가능 금액(${toMajor(available, p.exponent)})을 초과하였습니다.`));
    }
    const cancellationId = newOpaqueId('cncl_', 10);
    const pending = ctx.faults.pending;
    if (pending) {
      const pc: PendingCancel = { cancellation_id: cancellationId, amountMinor: minor, reason, enableWebhook };
      p.pending_cancels.push(pc);
      if (pending.settleAfterMs !== undefined) {
        const to = (pending.settleTo ?? 'done') as 'done' | 'rejected';
        const fault = ctx.faults.webhook?.mode === 'early' ? undefined : ctx.faults.webhook;
        pc.task = this.d.scheduler.after(
          pending.settleAfterMs,
          () => void this.d.webhooks.dispatch(this.settleCancel(p, pc, to), fault),
        );
      }
      // Answered like a success, but status and cancel_history do not show it yet (seed 004: that is how pending looks).
      return record('pending', ok(renderPortonePayment(p, false)), {
        cancellation_id: cancellationId,
        cancel_amount: toMajor(minor, p.exponent),
      });
    }
    this.applyCancel(p, minor, reason, cancellationId);
    const answer = record('done', ok(renderPortonePayment(p, false)), {
      cancellation_id: cancellationId,
      cancel_amount: toMajor(minor, p.exponent),
    });
    // An API cancel sends no webhook unless enable_webhook is true (official OpenAPI, see settleCancel).
    return {
      ...answer,
      webhooks: enableWebhook ? portoneWebhookJobs(this.d.options, p, p.status, cancellationId) : [],
    };
  }

  private applyCancel(p: PaymentRecord, minor: number, reason: string | null, cancellationId: string): void {
    const nowS = unixSeconds(this.d.clock.now());
    p.cancelMinor += minor;
    p.cancel_history.push({
      pg_tid: newPaypalTransactionId(),
      amountMinor: minor,
      cancelled_at: nowS,
      reason,
      receipt_url: `https://sandbox.invalid/portone/receipt/${p.imp_uid}/${cancellationId}`,
      cancellation_id: cancellationId,
    });
    p.cancel_reason = reason;
    p.updated_at = nowS;
    if (p.cancelMinor === p.amountMinor) {
      p.status = 'cancelled';
      p.cancelled_at = nowS;
      p.paypal = { status: 'Refunded', pendingReason: null };
    } else {
      p.paypal = { status: 'Partially-Refunded', pendingReason: null };
    }
  }

  /**
   * Finishes a pending cancel. Seed 004: a webhook announces the final result; but an API cancel is followed by a
   * webhook only with `enable_webhook: true` (official OpenAPI, `POST /payments/cancel` `enable_webhook`: default false,
   * "본 API를 통한 취소는 기본적으로 고객사로 웹훅을 전송하지 않습니다"), so
   * without it the merchant learns the result only by looking the payment up.
   */
  settleCancel(p: PaymentRecord, pc: PendingCancel, to: 'done' | 'rejected'): WebhookJob[] {
    const i = p.pending_cancels.indexOf(pc);
    if (i < 0) return [];
    p.pending_cancels.splice(i, 1);
    pc.task?.cancel();
    if (to === 'done') this.applyCancel(p, pc.amountMinor, pc.reason, pc.cancellation_id);
    this.d.ledger.append(this.d.clock.now(), {
      account: p.account,
      operation: 'cancelSettlement',
      outcome: to,
      imp_uid: p.imp_uid,
      merchant_uid: p.merchant_uid,
      cancellation_id: pc.cancellation_id,
      amount: toMajor(pc.amountMinor, p.exponent),
      currency: p.currency,
      status: p.status,
    });
    return pc.enableWebhook ? portoneWebhookJobs(this.d.options, p, p.status, pc.cancellation_id) : [];
  }
}

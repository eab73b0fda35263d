import { newOpaqueId, newTransactionKey, toMajor, toMinor } from './sandbox.format';
import type { PgAnswer, PgContext } from './sandbox.http';
import { tossError } from './sandbox.toss.errors';
import {
  bodyOf,
  invalid,
  USD,
  type CancelRecord,
  type Obj,
  type PaymentRecord,
  type TossDeps,
  type TossPaymentStore,
} from './sandbox.toss.model';
import { renderTossCancel } from './sandbox.toss.render';
import type { WebhookJob } from './sandbox.webhooks';

/** Toss `POST /v1/payments/{paymentKey}/cancel`, its IN_PROGRESS cancels and their settlement. */
export class TossCancels {
  constructor(
    private readonly d: TossDeps,
    private readonly store: TossPaymentStore,
  ) {}

  /**
   * `POST /v1/payments/{paymentKey}/cancel`: asynchronous for foreign easy pay, announced by CANCEL_STATUS_CHANGED
   * (pg-api-reference.md, Cancel and Webhooks); refusal codes from its error table.
   */
  cancel(ctx: PgContext): PgAnswer {
    const pre = this.store.preamble(ctx.req);
    if (pre) return pre;
    const body = bodyOf(ctx.req);
    const paymentKey = (ctx.req.params as Obj).paymentKey as string;
    const { cancelReason, cancelAmount, currency } = body;
    const now = this.d.clock.now();
    const record = (outcome: string, answer: PgAnswer, extra: Obj = {}): PgAnswer => {
      const err = answer.status >= 400 ? (answer.body as { code: string; message: string }) : undefined;
      this.d.ledger.append(now, {
        account: ctx.account,
        operation: 'cancel',
        outcome,
        paymentKey,
        orderId: p?.orderId,
        cancelReason,
        cancelAmount,
        currency,
        code: err?.code ?? null,
        message: err?.message ?? null,
        ...extra,
      });
      return answer;
    };
    const p = this.store.payment(paymentKey);
    if (typeof cancelReason !== 'string' || cancelReason.length === 0 || cancelReason.length > 200) {
      return record('refused', invalid('cancelReason is required (at most 200 characters)'));
    }
    let amountMinor: number | undefined;
    if (cancelAmount !== undefined) {
      amountMinor = typeof cancelAmount === 'number' ? toMinor(cancelAmount, USD) : undefined;
      if (amountMinor === undefined)
        return record('refused', invalid('cancelAmount must be a positive USD amount with at most 2 decimals'));
      // Partial cancels of foreign easy pay need the currency (seed 000).
      if (currency === undefined)
        return record('refused', invalid('해외 간편결제 부분 취소에는 currency가 필요합니다.'));
    }
    if (currency !== undefined && currency !== 'USD') return record('refused', invalid('currency must be USD'));
    if (!p || p.account !== ctx.account) return record('refused', tossError('NOT_FOUND_PAYMENT'));
    if (p.status === 'CANCELED') return record('refused', tossError('ALREADY_CANCELED_PAYMENT'));
    if (p.status !== 'DONE' && p.status !== 'PARTIAL_CANCELED')
      return record('refused', tossError('NOT_CANCELABLE_PAYMENT'));
    const inProgress = p.cancels.reduce((s, c) => s + (c.status === 'IN_PROGRESS' ? c.amountMinor : 0), 0);
    const available = p.balanceMinor - inProgress;
    const minor = amountMinor ?? available;
    if (minor <= 0 || minor > available) return record('refused', tossError('NOT_CANCELABLE_AMOUNT'));

    const c: CancelRecord = {
      transactionKey: newTransactionKey(),
      cancelRequestId: newOpaqueId('', 16),
      amountMinor: minor,
      reason: cancelReason,
      refundableMinor: available - minor,
      canceledAtMs: now,
      status: 'IN_PROGRESS',
      webhookFault: ctx.faults.webhook,
    };
    p.cancels.push(c);
    const answer = record(
      'in_progress',
      { status: 200, body: this.store.render(p, this.store.versionOf(ctx.req, p)) },
      {
        transactionKey: c.transactionKey,
        cancelRequestId: c.cancelRequestId,
      },
    );

    const pending = ctx.faults.pending;
    if (pending) {
      // Held IN_PROGRESS: settled by the settle endpoint, or after settleAfterMs of sandbox time.
      if (pending.settleAfterMs !== undefined) {
        const to = (pending.settleTo ?? 'DONE') as 'DONE' | 'ABORTED';
        c.task = this.d.scheduler.after(pending.settleAfterMs, () => this.dispatchSettled(p, c, to));
      }
      return answer;
    }
    if (c.webhookFault?.mode === 'early') {
      // The webhook must beat the answer: settle now, send the webhooks before the (IN_PROGRESS) answer goes out.
      return { ...answer, webhooks: this.settleCancel(p, c, 'DONE'), webhookFault: c.webhookFault };
    }
    c.task = this.d.scheduler.after(this.d.options.tossCancelSettleMs, () => this.dispatchSettled(p, c, 'DONE'));
    return answer;
  }

  private dispatchSettled(p: PaymentRecord, c: CancelRecord, to: 'DONE' | 'ABORTED'): void {
    const jobs = this.settleCancel(p, c, to);
    // An `early` fault has no answer to race once the cancel settles later; it then behaves as a normal delivery.
    const fault = c.webhookFault?.mode === 'early' ? undefined : c.webhookFault;
    void this.d.webhooks.dispatch(jobs, fault);
  }

  /** Finishes an IN_PROGRESS cancel; returns the webhooks it causes. */
  settleCancel(p: PaymentRecord, c: CancelRecord, to: 'DONE' | 'ABORTED'): WebhookJob[] {
    if (c.status !== 'IN_PROGRESS') return [];
    c.task?.cancel();
    c.task = undefined;
    const now = this.d.clock.now();
    c.status = to;
    const jobs = this.store.webhook(p.account, 'CANCEL_STATUS_CHANGED', renderTossCancel(c));
    if (to === 'DONE') {
      p.balanceMinor -= c.amountMinor;
      p.status = p.balanceMinor === 0 ? 'CANCELED' : 'PARTIAL_CANCELED';
      p.lastTransactionKey = c.transactionKey;
      jobs.push(...this.store.statusChanged(p));
    } else {
      // An aborted cancel gives its amount back to what can still be cancelled.
      for (const other of p.cancels) if (other.status === 'IN_PROGRESS') other.refundableMinor += c.amountMinor;
    }
    this.d.ledger.append(now, {
      account: p.account,
      operation: 'cancelSettlement',
      outcome: to === 'DONE' ? 'done' : 'rejected',
      paymentKey: p.paymentKey,
      orderId: p.orderId,
      transactionKey: c.transactionKey,
      cancelAmount: toMajor(c.amountMinor, USD),
      currency: 'USD',
      status: p.status,
    });
    return jobs;
  }
}

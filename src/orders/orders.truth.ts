import { createHash } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { GatewayCancelView, LookupOutcome, Money, OneTimeAdapter, PaymentInspection } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { newId } from '../common/ids';
import type { OrdersRepository } from './orders.repository';
import { str } from './orders.views';
import type { OrderCancel } from './order-cancel.entity';
import type { Order, OrderStatus } from './order.entity';

/** Orders the PG's truth may still move to paid or failed (nothing charged and confirmed on our side yet). */
export const UNSETTLED: readonly OrderStatus[] = ['created', 'confirming', 'unknown', 'failed'];

/** What the state machine needs from the order service. */
export interface TruthDeps {
  readonly repo: OrdersRepository;
  adapterOf(gateway: string): OneTimeAdapter;
  readonly clock: Clock;
  readonly logger: Logger;
  requireOrder(merchantId: string, orderId: string): Promise<Order>;
}

/**
 * The one state machine every PG answer goes through (confirm, look-up, webhook re-fetch): the payment as the PG
 * reports it moves the order, its cancels are synced (ours matched, the console's recorded as external), and a
 * mismatched payment is returned in full.
 */
export class PaymentTruth {
  constructor(private readonly d: TruthDeps) {}

  /**
   * Applies what the PG's API says about the order's payment (never what a redirect or a webhook body says). The
   * transitions are conditional, so duplicate and out-of-order deliveries all end in the PG's current state. Public
   * for the webhook service (OrdersWebhooks), which applies its re-fetches the same way.
   */
  async apply(order: Order, inspection: PaymentInspection, creds: unknown): Promise<void> {
    const o: LookupOutcome = inspection.outcome;
    const now = this.d.clock.now();
    switch (o.status) {
      case 'SUCCEEDED': {
        const facts = {
          gatewayStatus: o.rawStatus,
          method: str(o.extra?.method),
          easyPayProvider: str(o.extra?.easyPayProvider),
          receiptUrl: str(o.extra?.receiptUrl),
          approvedAt: o.approvedAt ? new Date(o.approvedAt) : null,
          reportedAmount: o.amount.amount,
          reportedCurrency: o.amount.currency,
          updatedAt: now,
        };
        const moved = await this.d.repo.transition(order.id, UNSETTLED, {
          status: 'paid',
          gatewayPaymentId: o.gatewayPaymentId,
          failureCode: null,
          failureMessage: null,
          ...facts,
        });
        if (!moved) await this.d.repo.patch(order.id, facts);
        await this.syncCancels(order, inspection.cancels, now);
        return;
      }
      case 'MISMATCH': {
        const moved = await this.d.repo.transition(order.id, UNSETTLED, {
          status: o.reportedStatus === 'SUCCEEDED' ? 'mismatch' : order.status,
          gatewayPaymentId: o.gatewayPaymentId,
          flagReason: `confirmed_${o.field}_mismatch`,
          gatewayStatus: o.rawStatus,
          reportedAmount: o.reported?.amount ?? null,
          reportedCurrency: o.reported?.currency ?? null,
          updatedAt: now,
        });
        this.d.logger.error(
          {
            orderId: order.id,
            merchantId: order.merchantId,
            field: o.field,
            expected: o.expected,
            reported: o.reported,
          },
          'the PG reports a payment that differs from the order',
        );
        if (moved && o.reportedStatus === 'SUCCEEDED')
          await this.returnMismatch(order, o.gatewayPaymentId, o.reported, creds);
        else await this.syncCancels(order, inspection.cancels, now);
        return;
      }
      case 'DECLINED':
        // Only the order's own checkout may fail it (an abandoned second window expiring must not).
        if (order.gatewayPaymentId && o.gatewayPaymentId && o.gatewayPaymentId !== order.gatewayPaymentId) return;
        await this.d.repo.transition(order.id, UNSETTLED, {
          status: 'failed',
          failureCode: o.code,
          failureMessage: o.message.slice(0, 500),
          gatewayStatus: o.rawStatus ?? null,
          updatedAt: now,
        });
        return;
      default:
        // PENDING (checkout not confirmed yet), NOT_FOUND, UNKNOWN: nothing to apply.
        return;
    }
  }

  /** A confirmed payment that is not what the order asked for is never fulfilled: it is returned in full. */
  private async returnMismatch(
    order: Order,
    gatewayPaymentId: string,
    reported: Money | null,
    creds: unknown,
  ): Promise<void> {
    const now = this.d.clock.now();
    const id = newId('tfc');
    const cancel: OrderCancel = {
      id,
      orderId: order.id,
      merchantId: order.merchantId,
      idempotencyKey: `tfp-cancel-${id}`,
      amount: reported?.amount ?? 0,
      currency: reported?.currency ?? order.currency,
      kind: 'mismatch_return',
      full: true,
      reason: 'Amount mismatch: returned automatically',
      status: 'requested',
      gatewayCancelId: null,
      gatewayCancelStatus: null,
      failureCode: null,
      failureMessage: null,
      createdAt: now,
      updatedAt: now,
    };
    // Not a refund of the order's amount (that was never validly charged): recorded without touching its balance.
    await this.d.repo.insertCancel(cancel);
    const outcome = await this.d.adapterOf(order.gateway).cancel(creds, {
      gatewayPaymentId: gatewayPaymentId,
      reference: order.id,
      reason: cancel.reason,
      cancelId: cancel.idempotencyKey,
    });
    const status =
      outcome.status === 'SUCCEEDED'
        ? 'done'
        : outcome.status === 'PENDING'
          ? 'pending'
          : outcome.status === 'DECLINED'
            ? 'refused'
            : outcome.status === 'NOT_SENT'
              ? 'not_sent'
              : 'unknown';
    await this.d.repo.transitionCancel(id, ['requested'], {
      status,
      gatewayCancelId: 'gatewayCancelId' in outcome ? (outcome.gatewayCancelId ?? null) : null,
      failureCode: 'code' in outcome ? (outcome.code ?? null) : null,
      updatedAt: this.d.clock.now(),
    });
  }

  /** The PG's cancels → ours, by gatewayCancelId; a cancel whose answer we have not stored yet is matched by amount. */
  private async syncCancels(order: Order, pgCancels: readonly GatewayCancelView[], now: Date): Promise<void> {
    if (pgCancels.length === 0) return;
    const all = await this.d.repo.listCancels(order.merchantId, order.id);
    // A mismatch return is followed by its own status alone: only refunds move the order's balance.
    for (const r of all.filter((c) => c.kind === 'mismatch_return' && c.gatewayCancelId)) {
      const t = pgCancels.find((x) => x.gatewayCancelId === r.gatewayCancelId);
      const status = t?.state === 'SUCCEEDED' ? 'done' : t?.state === 'DECLINED' ? 'refused' : null;
      if (t && status)
        await this.d.repo.transitionCancel(r.id, ['requested', 'pending', 'unknown'], {
          status,
          gatewayCancelStatus: t.rawStatus,
          updatedAt: now,
        });
    }
    const ours = all.filter((c) => c.kind === 'refund');
    const used = new Set<string>();
    for (const t of pgCancels) {
      let row = ours.find((c) => c.gatewayCancelId === t.gatewayCancelId);
      if (!row) {
        row = ours.find(
          (c) =>
            !c.gatewayCancelId &&
            !used.has(c.id) &&
            (c.status === 'requested' || c.status === 'unknown') &&
            c.amount === t.amount.amount,
        );
        if (row) {
          await this.d.repo.transitionCancel(row.id, ['requested', 'unknown'], {
            gatewayCancelId: t.gatewayCancelId,
            updatedAt: now,
          });
          row = { ...row, gatewayCancelId: t.gatewayCancelId };
        }
      }
      if (!row) {
        // Not one of ours (made in the PG's console): applied to the balance when it fits, else flagged for review.
        if (t.state === 'SUCCEEDED') await this.recordExternalCancel(order, t, now);
        continue;
      }
      used.add(row.id);
      const open = ['requested', 'pending', 'unknown'] as const;
      if (t.state === 'SUCCEEDED')
        await this.d.repo.finishCancel(
          row,
          open,
          'done',
          { gatewayCancelStatus: t.rawStatus, gatewayCancelId: t.gatewayCancelId },
          now,
        );
      else if (t.state === 'DECLINED')
        await this.d.repo.finishCancel(
          row,
          open,
          'refused',
          { gatewayCancelStatus: t.rawStatus, failureCode: 'CANCEL_ABORTED' },
          now,
        );
      else
        await this.d.repo.transitionCancel(row.id, ['requested', 'unknown'], {
          status: 'pending',
          gatewayCancelStatus: t.rawStatus,
          gatewayCancelId: t.gatewayCancelId,
          updatedAt: now,
        });
    }
  }

  private async recordExternalCancel(order: Order, t: GatewayCancelView, now: Date): Promise<void> {
    const cancel: OrderCancel = {
      id: `tfx_${createHash('sha256').update(`${order.id}\n${t.gatewayCancelId}`).digest('base64url').slice(0, 32)}`,
      orderId: order.id,
      merchantId: order.merchantId,
      idempotencyKey: `external-${t.gatewayCancelId}`.slice(0, 64),
      amount: t.amount.amount,
      currency: t.amount.currency,
      kind: 'external',
      full: false,
      reason: `Cancelled outside the API (${this.d.adapterOf(order.gateway).descriptor.displayName})`.slice(0, 200),
      status: 'done',
      gatewayCancelId: t.gatewayCancelId,
      gatewayCancelStatus: t.rawStatus,
      failureCode: null,
      failureMessage: null,
      createdAt: now,
      updatedAt: now,
    };
    const result = await this.d.repo.recordExternalCancel(order, cancel, now);
    if (result === 'unsafe') {
      await this.d.repo.patch(order.id, { flagReason: 'external_cancel_unapplied', updatedAt: now });
      this.d.logger.error(
        { orderId: order.id, merchantId: order.merchantId, gatewayCancelId: t.gatewayCancelId, amount: t.amount },
        'the PG lists a refund made outside the API that does not fit the order: flagged for review',
      );
    } else if (result === 'recorded') {
      this.d.logger.warn(
        { orderId: order.id, merchantId: order.merchantId, gatewayCancelId: t.gatewayCancelId, amount: t.amount },
        'refund made outside the API recorded',
      );
    }
  }
}

import type { LookupOutcome } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import type { ChargeResolution, ChargeReviewAction } from './charge-review-action.entity';
import type { Charge } from './charge.entity';
import type { ChargeReconciler } from './charges.reconciliation';
import type { ChargesRepository } from './charges.repository';

/** Statuses a look-up can still move: what the review queue holds. */
const LOOKUP_STATUSES: readonly string[] = ['pending', 'unknown'];

/** What an operator's resolution stands for: the PG's answer it replaces, so the one state machine applies it. */
function outcomeOf(charge: Charge, resolution: ChargeResolution): LookupOutcome {
  if (resolution === 'failed')
    // Soft: the subscription goes through dunning as after any soft decline, never canceled on a human's word alone.
    return {
      status: 'DECLINED',
      kind: 'soft',
      code: 'RESOLVED_FAILED',
      message: 'Resolved as failed from the review queue',
    };
  return {
    status: 'SUCCEEDED',
    gatewayPaymentId: charge.gatewayPaymentId ?? '',
    reference: charge.merchantUid,
    amount: { amount: charge.amount, currency: charge.currency },
    refunded: { amount: charge.refundedAmount, currency: charge.currency },
    rawStatus: 'resolved',
  };
}

/**
 * The review queue's actions, part of ChargesService. A look-up goes through the reconciler's own path; a resolution
 * is written as the PG's answer would be (ChargeReconciler.resultWrite and recordResults), so the charge and its
 * subscription move exactly as they would have, and whatever follows a recorded result follows this one too. Each
 * action is recorded with the API key's id and the time.
 */
export class ChargeReview {
  constructor(
    private readonly repo: ChargesRepository,
    private readonly reconciler: ChargeReconciler,
    private readonly clock: Clock,
  ) {}

  async lookup(merchantId: string, chargeId: string, apiKeyId: string): Promise<ChargeReviewAction> {
    const charge = await this.require(merchantId, chargeId);
    if (!LOOKUP_STATUSES.includes(charge.status))
      throw new DomainError(
        'CHARGE_NOT_OPEN',
        `The charge is ${charge.status}: only a pending or unknown one is looked up`,
        [{ status: charge.status }],
      );
    await this.reconciler.lookUpNow(charge);
    const after = await this.require(merchantId, chargeId);
    const action = this.action(after, apiKeyId, { action: 'lookup', resolution: null, note: null });
    await this.repo.insertReviewAction(action);
    return action;
  }

  async resolve(
    merchantId: string,
    chargeId: string,
    input: { resolution: ChargeResolution; note: string },
    apiKeyId: string,
  ): Promise<ChargeReviewAction> {
    const charge = await this.require(merchantId, chargeId);
    if (!charge.review) throw notInReview(charge);
    const [sub] = charge.subscriptionId ? await this.repo.findSubscriptions([charge.subscriptionId]) : [];
    const { write } = this.reconciler.resultWrite(charge, outcomeOf(charge, input.resolution), sub, {
      fromLookup: true,
    });
    // Without a PG id (an answer never came) the charge keeps none rather than an empty one.
    if (write.chargePatch && !charge.gatewayPaymentId) write.chargePatch.gatewayPaymentId = null;
    const action = this.action(charge, apiKeyId, { action: 'resolve', resolution: input.resolution, note: input.note });
    action.chargeStatus = write.chargePatch?.status ?? charge.status;
    // The audit row commits with the result, or not at all (another writer settled the charge first).
    const { applied } = await this.repo.recordResults([write], action);
    if (!applied[0]) throw notInReview(await this.require(merchantId, chargeId));
    return action;
  }

  private action(
    charge: Charge,
    apiKeyId: string,
    what: Pick<ChargeReviewAction, 'action' | 'resolution' | 'note'>,
  ): ChargeReviewAction {
    return {
      id: newId('cra'),
      merchantId: charge.merchantId,
      chargeId: charge.id,
      ...what,
      apiKeyId,
      chargeStatus: charge.status,
      createdAt: this.clock.now(),
    };
  }

  private async require(merchantId: string, chargeId: string): Promise<Charge> {
    const charge = await this.repo.findForMerchant(merchantId, chargeId);
    if (!charge) throw new NotFoundError('Charge');
    return charge;
  }
}

function notInReview(charge: Charge): DomainError {
  return new DomainError('CHARGE_NOT_IN_REVIEW', `The charge is ${charge.status} and not in review`, [
    { status: charge.status, review: charge.review },
  ]);
}

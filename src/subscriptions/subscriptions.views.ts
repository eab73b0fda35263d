import type { SubscriptionView } from './dto/subscription.dto';
import type { Subscription } from './subscription.entity';

const iso = (d: Date) => new Date(d).toISOString();

export function toSubscriptionView(s: Subscription): SubscriptionView {
  return {
    id: s.id,
    status: s.status,
    customerId: s.customerId,
    planId: s.planId,
    billingKeyId: s.billingKeyId,
    amount: s.amount,
    currency: s.currency,
    interval: s.interval,
    intervalCount: s.intervalCount,
    currentPeriodStart: iso(s.currentPeriodStart),
    currentPeriodEnd: iso(s.currentPeriodEnd),
    nextChargeAt: s.nextChargeAt ? iso(s.nextChargeAt) : null,
    cycle: s.cycle,
    attempt: s.attempt,
    cancelAtPeriodEnd: Boolean(s.cancelAtPeriodEnd),
    riskContext: s.riskContext ?? {},
    createdAt: iso(s.createdAt),
    ...(s.canceledAt ? { canceledAt: iso(s.canceledAt) } : {}),
    ...(s.cancelReason ? { cancelReason: s.cancelReason } : {}),
    ...(s.pendingPlanId ? { pendingPlanId: s.pendingPlanId } : {}),
  };
}

import { Injectable } from '@nestjs/common';
import { GatewayRegistry, supportsCurrency } from '@app/pg-contract';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { CustomersService } from '../customers/customers.service';
import { PlansService } from '../plans/plans.service';
import { RiskService } from '../risk/risk.service';
import type { CancelSubscriptionDto, CreateSubscriptionDto, SubscriptionView } from './dto/subscription.dto';
import { Subscription } from './subscription.entity';
import { initialSchedule } from './subscription.transitions';
import { SubscriptionsRepository } from './subscriptions.repository';
import { pageParams, toPage, type Page } from '../common/pagination';

@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly repo: SubscriptionsRepository,
    private readonly customers: CustomersService,
    private readonly plans: PlansService,
    private readonly billingKeys: BillingKeysService,
    private readonly registry: GatewayRegistry,
    private readonly risk: RiskService,
    private readonly clock: Clock,
  ) {}

  /**
   * A subscription needs an active billing key of the same merchant and customer, and a plan currency the key's PG
   * can charge (PayPal RT refuses KRW), and the STC data every charge of the merchant's industry needs (see
   * RiskService.checkSubscriptionContext): refused here, never at a charge. It starts `incomplete`; the scheduler makes
   * the first charge at `startAt`.
   */
  async create(merchantId: string, dto: CreateSubscriptionDto): Promise<SubscriptionView> {
    const customer = await this.customers.require(merchantId, dto.customerId);
    const plan = await this.plans.requireOpen(merchantId, dto.planId);
    const key = await this.billingKeys.requireChargeable(merchantId, dto.billingKeyId);
    if (key.customerId !== customer.id) {
      throw new DomainError('BILLING_KEY_CUSTOMER_MISMATCH', 'The billing key belongs to another customer', [
        { field: 'billingKeyId', errors: ['not a key of this customer'] },
      ]);
    }
    const gateway = this.registry.has(key.gateway) ? this.registry.get(key.gateway) : undefined;
    if (!gateway || !gateway.descriptor.capabilities.billingKeys)
      throw new DomainError('UNSUPPORTED_GATEWAY', `Gateway ${key.gateway} cannot charge billing keys`);
    if (!supportsCurrency(gateway.descriptor, plan.currency)) {
      throw new DomainError('UNSUPPORTED_CURRENCY', `${key.gateway} cannot charge ${plan.currency}`, [
        {
          field: 'planId',
          errors: [`plan currency ${plan.currency} is not one ${key.gateway} takes`],
          accepted: gateway.descriptor.capabilities.currencies,
        },
      ]);
    }
    // PayPal's per-charge STC only where the key's gateway takes PayPal.
    const riskContext =
      gateway.descriptor.paymentMethod === 'paypal'
        ? await this.risk.checkSubscriptionContext(merchantId, customer, dto.riskContext)
        : {};
    const now = this.clock.now();
    const anchor = dto.startAt ? new Date(dto.startAt) : now;
    const sub = await this.repo.insert({
      id: newId('sub'),
      merchantId,
      customerId: customer.id,
      planId: plan.id,
      billingKeyId: key.id,
      gateway: key.gateway,
      status: 'incomplete',
      amount: plan.amount,
      currency: plan.currency,
      planName: plan.name,
      interval: plan.interval,
      intervalCount: plan.intervalCount,
      anchorAt: anchor,
      ...initialSchedule(anchor, plan.interval, plan.intervalCount),
      cancelAtPeriodEnd: false,
      canceledAt: null,
      cancelReason: null,
      riskContext: Object.keys(riskContext).length > 0 ? riskContext : null,
      leaseOwner: null,
      leaseExpiresAt: null,
      leaseVersion: 0,
      createdAt: now,
      updatedAt: now,
    });
    return toSubscriptionView(sub);
  }

  async list(
    merchantId: string,
    query: { customerId?: string; status?: string; limit?: number; cursor?: string },
  ): Promise<Page<SubscriptionView>> {
    const page = pageParams(query);
    const rows = await this.repo.list(merchantId, { ...page, customerId: query.customerId, status: query.status });
    return toPage(rows, page.limit, toSubscriptionView);
  }

  async get(merchantId: string, id: string): Promise<SubscriptionView> {
    return toSubscriptionView(await this.require(merchantId, id));
  }

  async require(merchantId: string, id: string): Promise<Subscription> {
    const sub = await this.repo.findForMerchant(merchantId, id);
    if (!sub) throw new NotFoundError('Subscription');
    return sub;
  }

  /** The STC keys stored on these subscriptions, by id (null when one has none; an unknown id is absent). */
  async riskContexts(ids: readonly string[]): Promise<Map<string, Readonly<Record<string, string>> | null>> {
    return new Map((await this.repo.findRiskContexts(ids)).map((s) => [s.id, s.riskContext ?? null]));
  }

  /**
   * Now: canceled at once, nothing further is charged (a charge already at the PG is still recorded). At period end:
   * stays as it is until the current period ends, and the scheduler cancels it instead of charging the next cycle.
   * Canceling a canceled subscription answers it unchanged.
   */
  async cancel(merchantId: string, id: string, dto: CancelSubscriptionDto): Promise<SubscriptionView> {
    const sub = await this.require(merchantId, id);
    if (sub.status !== 'canceled') {
      const now = this.clock.now();
      if (dto.atPeriodEnd) await this.repo.cancelAtPeriodEnd(merchantId, id, now);
      else await this.repo.cancelNow(merchantId, id, now);
    }
    return this.get(merchantId, id);
  }
}

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
  };
}

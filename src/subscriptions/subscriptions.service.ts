import { Injectable } from '@nestjs/common';
import { GatewayRegistry, supportsCurrency } from '@app/pg-contract';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { CustomersService } from '../customers/customers.service';
import { PlansService } from '../plans/plans.service';
import { RiskService } from '../risk/risk.service';
import type { BillingKey } from '../billing-keys/billing-key.entity';
import type { Customer } from '../customers/customer.entity';
import type {
  CancelSubscriptionDto,
  CreateSubscriptionDto,
  SubscriptionView,
  UpdateSubscriptionDto,
} from './dto/subscription.dto';
import { Subscription } from './subscription.entity';
import { initialSchedule } from './subscription.transitions';
import { type SubscriptionChange, SubscriptionsRepository } from './subscriptions.repository';
import { toSubscriptionView } from './subscriptions.views';

export { toSubscriptionView } from './subscriptions.views';

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
    const plan = await this.plans.require(merchantId, dto.planId);
    const key = await this.keyOf(merchantId, customer, dto.billingKeyId);
    const paypal = this.checkCharges(key.gateway, plan.currency);
    // PayPal's per-charge STC only where the key's gateway takes PayPal.
    const riskContext = paypal ? await this.risk.checkSubscriptionContext(merchantId, customer, dto.riskContext) : {};
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

  /** An active key of this merchant's customer (another's: 404; inactive: 409; another customer's: 422). */
  private async keyOf(merchantId: string, customer: Customer, billingKeyId: string): Promise<BillingKey> {
    const key = await this.billingKeys.requireChargeable(merchantId, billingKeyId);
    if (key.customerId !== customer.id) {
      throw new DomainError('BILLING_KEY_CUSTOMER_MISMATCH', 'The billing key belongs to another customer', [
        { field: 'billingKeyId', errors: ['not a key of this customer'] },
      ]);
    }
    return key;
  }

  /** The gateway charges billing keys in `currency`; answers whether it takes PayPal (STC). */
  private checkCharges(gatewayCode: string, currency: string): boolean {
    const gateway = this.registry.has(gatewayCode) ? this.registry.get(gatewayCode) : undefined;
    if (!gateway || !gateway.descriptor.capabilities.billingKeys)
      throw new DomainError('UNSUPPORTED_GATEWAY', `Gateway ${gatewayCode} cannot charge billing keys`);
    if (!supportsCurrency(gateway.descriptor, currency)) {
      throw new DomainError('UNSUPPORTED_CURRENCY', `${gatewayCode} cannot charge ${currency}`, [
        {
          field: 'planId',
          errors: [`plan currency ${currency} is not one ${gatewayCode} takes`],
          accepted: gateway.descriptor.capabilities.currencies,
        },
      ]);
    }
    return gateway.descriptor.paymentMethod === 'paypal';
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

  /**
   * A new billing key at once (the same customer's active key; a `past_due` subscription waiting for its retry is
   * retried with it on the next run), a new plan at the next period (no proration; same billing interval, a currency the
   * key's gateway takes; the same plan again withdraws a pending change), STC keys checked as at creation. One
   * `subscription.updated` event; an empty body changes nothing.
   */
  async update(merchantId: string, id: string, dto: UpdateSubscriptionDto): Promise<SubscriptionView> {
    const sub = await this.require(merchantId, id);
    if (dto.billingKeyId === undefined && dto.planId === undefined && dto.riskContext === undefined)
      return toSubscriptionView(sub);
    if (sub.status === 'canceled') throw canceledError();
    const customer = await this.customers.require(merchantId, sub.customerId);
    const key = dto.billingKeyId ? await this.keyOf(merchantId, customer, dto.billingKeyId) : undefined;
    const gateway = key?.gateway ?? sub.gateway;
    const change: SubscriptionChange = {};
    let nextCurrency = sub.currency;
    if (dto.planId !== undefined) {
      const plan = await this.plans.require(merchantId, dto.planId);
      if (plan.interval !== sub.interval || plan.intervalCount !== sub.intervalCount) {
        throw new DomainError('PLAN_INTERVAL_MISMATCH', 'A plan change keeps the billing interval', [
          {
            field: 'planId',
            errors: [
              `the plan bills every ${plan.intervalCount} ${plan.interval}, the subscription every ${sub.intervalCount} ${sub.interval}`,
            ],
          },
        ]);
      }
      change.pendingPlanId = plan.id === sub.planId ? null : plan.id;
      nextCurrency = plan.currency;
    }
    // The gateway that charges next must take what it charges: this period's currency (a retry) and the next plan's.
    const paypal = this.checkCharges(gateway, sub.currency) && this.checkCharges(gateway, nextCurrency);
    if (key) {
      change.billingKeyId = key.id;
      change.gateway = key.gateway;
      // Waiting for a retry after a decline (past_due, or a first charge declined): retried with the new key on the
      // next run. A charge still at the PG (no next charge) is left to finish; what follows uses the new key.
      if (sub.attempt > 1 && sub.nextChargeAt && sub.status !== 'active') change.nextChargeAt = this.clock.now();
    }
    // New keys, or a move to a PayPal gateway from one without STC: checked as at creation.
    if (dto.riskContext !== undefined || (key && paypal && key.gateway !== sub.gateway)) {
      const context = paypal
        ? await this.risk.checkSubscriptionContext(merchantId, customer, dto.riskContext ?? sub.riskContext)
        : {};
      change.riskContext = Object.keys(context).length > 0 ? context : null;
    }
    change.updatedAt = this.clock.now();
    if (!(await this.repo.update(merchantId, id, {}, change))) throw canceledError();
    return this.get(merchantId, id);
  }

  /** Undoes a cancel at period end: the subscription renews as before. */
  async resume(merchantId: string, id: string): Promise<SubscriptionView> {
    const sub = await this.require(merchantId, id);
    if (sub.status === 'canceled') throw canceledError();
    if (!sub.cancelAtPeriodEnd)
      throw new DomainError('SUBSCRIPTION_NOT_CANCELING', 'The subscription is not set to cancel at period end');
    const now = this.clock.now();
    if (
      !(await this.repo.update(
        merchantId,
        id,
        { cancelAtPeriodEnd: true },
        { cancelAtPeriodEnd: false, updatedAt: now },
      ))
    ) {
      const again = await this.require(merchantId, id);
      throw again.status === 'canceled'
        ? canceledError()
        : new DomainError('SUBSCRIPTION_NOT_CANCELING', 'The subscription is not set to cancel at period end');
    }
    return this.get(merchantId, id);
  }
}

const canceledError = () => new DomainError('SUBSCRIPTION_CANCELED', 'A canceled subscription cannot be changed');

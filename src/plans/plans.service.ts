import { Injectable } from '@nestjs/common';
import { GatewayRegistry, supportsCurrency } from '@app/pg-contract';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { pageParams, toPage, type Page } from '../common/pagination';
import { CreatePlanDto, PlanDto } from './dto/plan.dto';
import { Plan, PlanInterval } from './plan.entity';
import { PlansRepository } from './plans.repository';

@Injectable()
export class PlansService {
  constructor(
    private readonly repo: PlansRepository,
    private readonly clock: Clock,
    private readonly registry: GatewayRegistry,
  ) {}

  /**
   * A plan's currency must be one some registered gateway that charges billing keys takes (its descriptor's
   * `currencies`, less those it refuses): plans are charged only through subscriptions, which need such a gateway, so
   * a plan none of them can charge is refused here rather than at every subscription. Which gateway charges it is the
   * billing key's, checked when a subscription is created.
   */
  async create(merchantId: string, input: CreatePlanDto): Promise<PlanDto> {
    const currency = input.currency.toUpperCase();
    const gateways = this.registry.list().filter((d) => d.capabilities.billingKeys);
    if (!gateways.some((d) => supportsCurrency(d, currency))) {
      const accepted = [
        ...new Set(gateways.flatMap((d) => d.capabilities.currencies.filter((c) => supportsCurrency(d, c)))),
      ].sort();
      throw new DomainError('UNSUPPORTED_CURRENCY', `No payment gateway for subscriptions takes ${currency}`, [
        {
          field: 'currency',
          errors: [`no registered payment gateway that charges billing keys takes ${currency}`],
          accepted,
        },
      ]);
    }
    const plan = await this.repo.insert({
      id: newId('plan'),
      merchantId,
      name: input.name,
      amount: input.amount,
      currency,
      interval: input.interval as PlanInterval,
      intervalCount: input.intervalCount ?? 1,
      createdAt: this.clock.now(),
      archivedAt: null,
    });
    return toPlanDto(plan);
  }

  async list(merchantId: string, query: { limit?: number; cursor?: string }): Promise<Page<PlanDto>> {
    const page = pageParams(query);
    return toPage(await this.repo.list(merchantId, page), page.limit, toPlanDto);
  }

  /** Idempotent: archiving an archived plan answers it as it is. */
  async archive(merchantId: string, id: string): Promise<PlanDto> {
    await this.require(merchantId, id);
    await this.repo.archive(merchantId, id, this.clock.now());
    return toPlanDto(await this.require(merchantId, id));
  }

  /** The plan a new subscription (or a plan change) may take: the merchant's, and not archived (409 PLAN_ARCHIVED). */
  async requireOpen(merchantId: string, id: string): Promise<Plan> {
    const plan = await this.require(merchantId, id);
    if (plan.archivedAt) {
      throw new DomainError('PLAN_ARCHIVED', 'This plan is archived and takes no new subscriptions', [
        { field: 'planId', errors: ['plan is archived'] },
      ]);
    }
    return plan;
  }

  async get(merchantId: string, id: string): Promise<PlanDto> {
    return toPlanDto(await this.require(merchantId, id));
  }

  async require(merchantId: string, id: string): Promise<Plan> {
    const plan = await this.repo.findForMerchant(merchantId, id);
    if (!plan) throw new NotFoundError('Plan');
    return plan;
  }
}

export function toPlanDto(p: Plan): PlanDto {
  return {
    id: p.id,
    name: p.name,
    amount: p.amount,
    currency: p.currency,
    interval: p.interval,
    intervalCount: p.intervalCount,
    createdAt: new Date(p.createdAt).toISOString(),
    archivedAt: p.archivedAt ? new Date(p.archivedAt).toISOString() : null,
  };
}

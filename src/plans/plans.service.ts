import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { CreatePlanDto, PlanDto } from './dto/plan.dto';
import { Plan, PlanInterval } from './plan.entity';
import { PlansRepository } from './plans.repository';

@Injectable()
export class PlansService {
  constructor(
    private readonly repo: PlansRepository,
    private readonly clock: Clock,
  ) {}

  async create(merchantId: string, input: CreatePlanDto): Promise<PlanDto> {
    const plan = await this.repo.insert({
      id: newId('plan'),
      merchantId,
      name: input.name,
      amount: input.amount,
      currency: input.currency.toUpperCase(),
      interval: input.interval as PlanInterval,
      intervalCount: input.intervalCount ?? 1,
      createdAt: this.clock.now(),
    });
    return toPlanDto(plan);
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
  };
}

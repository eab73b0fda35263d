import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Plan } from './plan.entity';

@Injectable()
export class PlansRepository {
  constructor(@InjectRepository(Plan) private readonly plans: Repository<Plan>) {}

  insert(plan: Plan): Promise<Plan> {
    return this.plans.save(this.plans.create(plan));
  }

  findForMerchant(merchantId: string, id: string): Promise<Plan | null> {
    return this.plans.findOneBy({ merchantId, id });
  }
}

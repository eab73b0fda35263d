import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
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

  /** Newest first, up to `limit + 1` rows (see keysetPage). */
  list(merchantId: string, page: { limit: number; after?: CursorPosition }): Promise<Plan[]> {
    return keysetPage(this.plans.createQueryBuilder('p'), { merchantId, ...page });
  }

  /** Sets archived_at unless already set (the first archive time stays); false when there was nothing to set. */
  async archive(merchantId: string, id: string, at: Date): Promise<boolean> {
    const r = await this.plans.update({ merchantId, id, archivedAt: IsNull() }, { archivedAt: at });
    return (r.affected ?? 0) > 0;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';

/** Endpoints and their deliveries as the merchant sees them; every query is scoped by merchant. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
  ) {}

  insert(row: WebhookEndpoint): Promise<WebhookEndpoint> {
    return this.endpoints.save(this.endpoints.create(row));
  }

  find(merchantId: string, id: string): Promise<WebhookEndpoint | null> {
    return this.endpoints.findOneBy({ merchantId, id });
  }

  count(merchantId: string): Promise<number> {
    return this.endpoints.countBy({ merchantId });
  }

  async updateSecret(merchantId: string, id: string, secretSealed: string, now: Date): Promise<boolean> {
    const r = await this.endpoints.update({ merchantId, id }, { secretSealed, updatedAt: now });
    return r.affected === 1;
  }

  /** The endpoint and its deliveries: pending ones stop (a claimed one's fenced result then matches no row). */
  async delete(merchantId: string, id: string): Promise<boolean> {
    return this.endpoints.manager.transaction(async (m) => {
      const r = await m.delete(WebhookEndpoint, { merchantId, id });
      if (r.affected !== 1) return false;
      await m.delete(WebhookDelivery, { merchantId, endpointId: id });
      return true;
    });
  }

  pageEndpoints(merchantId: string, limit: number, after?: CursorPosition): Promise<WebhookEndpoint[]> {
    return keysetPage(this.endpoints.createQueryBuilder('w'), { merchantId, after, limit });
  }

  pageDeliveries(
    merchantId: string,
    endpointId: string,
    opts: { limit: number; after?: CursorPosition; status?: string },
  ): Promise<WebhookDelivery[]> {
    return keysetPage(this.deliveries.createQueryBuilder('d'), {
      merchantId,
      after: opts.after,
      limit: opts.limit,
      filters: { endpointId, status: opts.status },
    });
  }
}

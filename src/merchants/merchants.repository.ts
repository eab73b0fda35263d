import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { GatewayCredential } from './gateway-credential.entity';
import { Merchant } from './merchant.entity';

@Injectable()
export class MerchantsRepository {
  constructor(
    @InjectRepository(Merchant) private readonly merchants: Repository<Merchant>,
    @InjectRepository(GatewayCredential) private readonly credentials: Repository<GatewayCredential>,
  ) {}

  save(merchant: Merchant): Promise<Merchant> {
    return this.merchants.save(merchant);
  }

  findById(id: string): Promise<Merchant | null> {
    return this.merchants.findOneBy({ id });
  }

  findCredential(merchantId: string, gateway: string): Promise<GatewayCredential | null> {
    return this.credentials.findOneBy({ merchantId, gateway });
  }

  listCredentials(merchantId: string): Promise<GatewayCredential[]> {
    return this.credentials.find({ where: { merchantId }, order: { gateway: 'ASC' } });
  }

  /** Insert or replace the one credential row per (merchant, gateway). */
  async upsertCredential(row: GatewayCredential): Promise<GatewayCredential> {
    await this.credentials.upsert(row, {
      conflictPaths: ['merchantId', 'gateway'],
      skipUpdateIfNoValuesChanged: false,
    });
    return (await this.findCredential(row.merchantId, row.gateway)) as GatewayCredential;
  }

  async deleteCredential(merchantId: string, gateway: string): Promise<boolean> {
    const result = await this.credentials.delete({ merchantId, gateway });
    return (result.affected ?? 0) > 0;
  }
}

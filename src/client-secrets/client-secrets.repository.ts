import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BillingKey } from '../billing-keys/billing-key.entity';
import { Merchant } from '../merchants/merchant.entity';
import { Order } from '../orders/order.entity';
import type { ClientSecretObject } from './client-secret';

/** The columns a client secret is checked against, whatever the object. */
export interface SecretHolder {
  readonly id: string;
  readonly merchantId: string;
  readonly status: string;
  readonly clientSecretHash: string | null;
}

/** Reads by primary key only: the guard and the CORS hook run these on browser requests. */
@Injectable()
export class ClientSecretsRepository {
  constructor(
    @InjectRepository(BillingKey) private readonly keys: Repository<BillingKey>,
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    @InjectRepository(Merchant) private readonly merchants: Repository<Merchant>,
  ) {}

  async findHolder(objectType: ClientSecretObject, id: string): Promise<SecretHolder | null> {
    const select = { id: true, merchantId: true, status: true, clientSecretHash: true } as const;
    const row =
      objectType === 'billing_key'
        ? await this.keys.findOne({ where: { id }, select })
        : await this.orders.findOne({ where: { id }, select });
    return row ? { ...row, clientSecretHash: row.clientSecretHash ?? null } : null;
  }

  async allowedOrigins(merchantId: string): Promise<readonly string[]> {
    const m = await this.merchants.findOne({ where: { id: merchantId }, select: { id: true, allowedOrigins: true } });
    return m?.allowedOrigins ?? [];
  }
}

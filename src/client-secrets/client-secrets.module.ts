import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingKey } from '../billing-keys/billing-key.entity';
import { Merchant } from '../merchants/merchant.entity';
import { Order } from '../orders/order.entity';
import { ClientSecretsRepository } from './client-secrets.repository';
import { ClientSecretsService } from './client-secrets.service';

/**
 * Client secrets (a browser acting on one pending billing key or created order) and the CORS answers for the routes
 * they open. Reads the objects' tables directly, by primary key, so the auth guard needs neither feature module.
 */
@Module({
  imports: [TypeOrmModule.forFeature([BillingKey, Order, Merchant])],
  providers: [ClientSecretsRepository, ClientSecretsService],
  exports: [ClientSecretsService],
})
export class ClientSecretsModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events/events.module';
import { RiskModule } from '../risk/risk.module';
import { BillingKey } from './billing-key.entity';
import { BillingKeyReturnsController, BillingKeysController } from './billing-keys.controller';
import { BillingKeysRepository } from './billing-keys.repository';
import { BillingKeyReturnsService } from './billing-keys.returns';
import { BillingKeysService } from './billing-keys.service';

/** PG-agnostic billing keys (issue, update, complete, redirect returns, revoke); `BillingKeysService.requireChargeable` for charges. */
@Module({
  imports: [TypeOrmModule.forFeature([BillingKey]), CustomersModule, RiskModule, EventsModule],
  controllers: [BillingKeysController, BillingKeyReturnsController],
  providers: [BillingKeysRepository, BillingKeysService, BillingKeyReturnsService],
  exports: [BillingKeysService],
})
export class BillingKeysModule {}

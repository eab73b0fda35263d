import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingKeysModule } from '../billing-keys/billing-keys.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events/events.module';
import { PlansModule } from '../plans/plans.module';
import { RiskModule } from '../risk/risk.module';
import { Subscription } from './subscription.entity';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

/** Subscriptions: creation (key, customer, currency and STC checks), reads, cancellation. Charging is the BillingModule's. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Subscription]),
    CustomersModule,
    PlansModule,
    BillingKeysModule,
    RiskModule,
    EventsModule,
  ],
  controllers: [SubscriptionsController],
  providers: [SubscriptionsRepository, SubscriptionsService],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}

import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingKeysModule } from '../billing-keys/billing-keys.module';
import { ChargesModule } from '../charges/charges.module';
import { EventsModule } from '../events/events.module';
import { Subscription } from '../subscriptions/subscription.entity';
import { BillingController } from './billing.controller';
import { BillingCron } from './billing.cron';
import { ReconcilePasses } from './billing.reconcile-passes';
import { BillingRepository } from './billing.repository';
import { BillingService } from './billing.service';

/** The recurring-charge scheduler, billing runs (scheduled and on demand) and the reconciler passes. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    TypeOrmModule.forFeature([Subscription]),
    ChargesModule,
    BillingKeysModule,
    EventsModule,
  ],
  controllers: [BillingController],
  providers: [BillingRepository, BillingService, BillingCron, ReconcilePasses],
  exports: [BillingService],
})
export class BillingModule {}

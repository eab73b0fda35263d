import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChargesModule } from '../charges/charges.module';
import { Subscription } from '../subscriptions/subscription.entity';
import { BillingController } from './billing.controller';
import { BillingCron } from './billing.cron';
import { BillingRepository } from './billing.repository';
import { BillingService } from './billing.service';

/** The recurring-charge scheduler, billing runs (scheduled and on demand) and the reconciler pass. */
@Module({
  imports: [ScheduleModule.forRoot(), TypeOrmModule.forFeature([Subscription]), ChargesModule],
  controllers: [BillingController],
  providers: [BillingRepository, BillingService, BillingCron],
  exports: [BillingService],
})
export class BillingModule {}

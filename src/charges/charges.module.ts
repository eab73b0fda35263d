import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingKeysModule } from '../billing-keys/billing-keys.module';
import { EventsModule } from '../events/events.module';
import { RiskModule } from '../risk/risk.module';
import { Subscription } from '../subscriptions/subscription.entity';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { ChargeCancel } from './charge-cancel.entity';
import { Charge } from './charge.entity';
import { ChargesController } from './charges.controller';
import { ChargesBatch } from './charges.batch';
import { ChargeEvents } from './charges.events';
import { ChargesRepository } from './charges.repository';
import { ExternalRefunds } from './charges.external-refunds';
import { ChargesService } from './charges.service';

/**
 * Charges with billing keys (recurring intents and customer-present charges), cancels, and the state machine every
 * PG result goes through. Exports ChargesService: `handleGatewayNotifications` is what the PortOne webhook service calls;
 * and ChargesBatch, the same instance seen through the batch-level API billing runs use.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Charge, ChargeCancel, Subscription]),
    BillingKeysModule,
    RiskModule,
    SubscriptionsModule,
    EventsModule,
  ],
  controllers: [ChargesController],
  providers: [
    ChargesRepository,
    ChargeEvents,
    ChargesService,
    ExternalRefunds,
    { provide: ChargesBatch, useExisting: ChargesService },
  ],
  exports: [ChargesService, ChargesBatch, ChargeEvents],
})
export class ChargesModule {}

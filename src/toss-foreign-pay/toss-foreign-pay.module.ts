import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersModule } from '../customers/customers.module';
import { RiskModule } from '../risk/risk.module';
import { WebhookInboxModule } from '../webhook-inbox/webhook-inbox.module';
import { TossOrdersController, TossRedirectsController } from './toss-foreign-pay.controller';
import { TossForeignPayRepository } from './toss-foreign-pay.repository';
import { TossForeignPayService } from './toss-foreign-pay.service';
import { TossWebhookService } from './toss-foreign-pay.webhook.service';
import { TossOrderCancel } from './toss-order-cancel.entity';
import { TossOrder } from './toss-order.entity';
import { TossWebhookEvent } from './toss-webhook-event.entity';

/**
 * Toss foreign easy pay (PayPal, USD, one-time): orders, the success/fail redirects, cancels and webhooks. The PG is
 * reached through the `toss-foreign-pay` adapter registered in GATEWAY_ADAPTERS (GatewaysModule is global).
 */
@Module({
  imports: [TypeOrmModule.forFeature([TossOrder, TossOrderCancel, TossWebhookEvent]), CustomersModule, RiskModule, WebhookInboxModule],
  controllers: [TossOrdersController, TossRedirectsController],
  providers: [TossForeignPayRepository, TossForeignPayService, TossWebhookService],
  exports: [TossWebhookService],
})
export class TossForeignPayModule {}

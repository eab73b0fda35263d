import { Module } from '@nestjs/common';
import { BillingKeysModule } from '../billing-keys/billing-keys.module';
import { ChargesModule } from '../charges/charges.module';
import { WebhookInboxModule } from '../webhook-inbox/webhook-inbox.module';
import { PortoneWebhookService } from './portone-webhook.service';

/**
 * PortOne V1 PayPal RT: its webhook receiver (the core billing-key pipeline with PortOne's v1 budget, metric names and
 * retry code), registered with the core webhook endpoint. The adapter itself (`portone-paypal-rt`) is registered in
 * src/gateways/gateways.registration.ts and reached through the GatewayRegistry.
 */
@Module({
  imports: [BillingKeysModule, ChargesModule, WebhookInboxModule],
  providers: [PortoneWebhookService],
  exports: [PortoneWebhookService],
})
export class PortonePaypalRtModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventRecord } from '../events/event.entity';
import { DeliveryWorker } from './delivery.worker';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WEBHOOK_RESOLVER, WebhookEndpointsService } from './webhook-endpoints.service';
import { systemResolver } from './webhook-url.policy';

/** Merchants' webhook endpoints, and the worker that delivers events (the outbox in src/events) to them. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpoint, WebhookDelivery, EventRecord])],
  controllers: [WebhookEndpointsController],
  providers: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookEndpointsService,
    DeliveryWorker,
    { provide: WEBHOOK_RESOLVER, useValue: systemResolver },
  ],
  exports: [DeliveryWorker],
})
export class WebhookEndpointsModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookPointer } from './webhook-pointer.entity';

/** Webhook pointers kept durably for the reconciler (PortOne and Toss). */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookPointer])],
  providers: [WebhookInboxRepository],
  exports: [WebhookInboxRepository],
})
export class WebhookInboxModule {}

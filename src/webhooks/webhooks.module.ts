import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BillingKeysModule } from '../billing-keys/billing-keys.module';
import { ChargesModule } from '../charges/charges.module';
import { WebhookInboxModule } from '../webhook-inbox/webhook-inbox.module';
import { WebhookReceivers } from './webhook-receivers';
import { WebhooksController } from './webhooks.controller';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Global: the one webhook endpoint (`/v1/webhooks/{gateway}/{merchantId}`) and the receivers registry that gateway
 * modules register with; billing-key gateways without a receiver of their own get the core pipeline.
 */
@Global()
@Module({
  imports: [BillingKeysModule, ChargesModule, WebhookInboxModule],
  controllers: [WebhooksController],
  providers: [WebhookReceivers],
  exports: [WebhookReceivers],
})
export class WebhooksModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /**
   * Some PGs post webhooks as a form (PortOne, by a console setting): accept it. Nest's Fastify adapter normally
   * registers a form parser already; this is the fallback when it does not.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.hasContentTypeParser !== 'function' || fastify.hasContentTypeParser(FORM)) return;
    fastify.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      // Repeated keys become arrays, which webhook parsers refuse: a pointer with two values is not trusted.
      const record: Record<string, string | string[]> = {};
      const params = new URLSearchParams(body as string);
      for (const key of new Set(params.keys())) {
        const all = params.getAll(key);
        record[key] = all.length === 1 ? all[0] : all;
      }
      done(null, record);
    });
  }
}

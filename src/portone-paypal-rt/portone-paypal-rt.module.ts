import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BillingKeysModule } from '../billing-keys/billing-keys.module';
import { ChargesModule } from '../charges/charges.module';
import { WebhookInboxModule } from '../webhook-inbox/webhook-inbox.module';
import { PortoneWebhookController } from './portone-webhook.controller';
import { PortoneWebhookService } from './portone-webhook.service';

const FORM = 'application/x-www-form-urlencoded';

/**
 * PortOne V1 PayPal RT: the webhook endpoint. The adapter itself (`portone-paypal-rt`) is registered in
 * src/gateways/gateways.registration.ts and reached through the GatewayRegistry.
 */
@Module({
  imports: [BillingKeysModule, ChargesModule, WebhookInboxModule],
  controllers: [PortoneWebhookController],
  providers: [PortoneWebhookService],
  exports: [PortoneWebhookService],
})
export class PortonePaypalRtModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /**
   * PortOne posts webhooks as JSON or, depending on a console setting, as a form: accept both. Nest's Fastify adapter
   * normally registers a form parser already; this is the fallback when it does not.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.hasContentTypeParser !== 'function' || fastify.hasContentTypeParser(FORM)) return;
    fastify.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      // Repeated keys become arrays, which the webhook parser refuses: a pointer with two values is not trusted.
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

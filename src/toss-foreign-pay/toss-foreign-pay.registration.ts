import type { AdapterRegistrationEntry } from '@app/pg-contract';
import { tossSandboxPlugin } from '@app/pg-sandbox';
import { TossClientModule } from '@app/toss-client';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import { pgBaseUrl } from '../gateway-credentials/gateway-options';
import { orderWebhookSettingsToken } from '../orders/orders.webhook-receivers';
import type { OrderWebhookSettings } from '../orders/orders.webhooks';
import { TOSS_FOREIGN_PAY_CODE, TossForeignPayAdapter } from './toss-foreign-pay.adapter';
import { TossForeignPayModule } from './toss-foreign-pay.module';

/** The Toss client: TOSS_BASE_URL, or the sandbox plugin on this app; the shared PG timeouts. */
export const tossClientModule = TossClientModule.registerAsync({
  inject: [appConfig.KEY, pgConfig.KEY],
  useFactory: (app: AppConfig, pg: PgConfig) => ({
    baseUrl: pgBaseUrl(app, pg.tossBaseUrl, tossSandboxPlugin.prefix),
    timeoutMs: pg.timeoutMs,
    connectTimeoutMs: pg.connectTimeoutMs,
  }),
});

/** The one-time webhook bounds of this gateway (TOSS_WEBHOOK_*), for the core webhook pipeline. */
const webhookSettings = {
  provide: orderWebhookSettingsToken(TOSS_FOREIGN_PAY_CODE),
  inject: [pgConfig.KEY],
  useFactory: (pg: PgConfig): OrderWebhookSettings => ({
    refetchLimit: pg.tossWebhookRefetchLimit,
    windowMs: pg.tossWebhookWindowMs,
    eventRetentionMs: pg.tossWebhookEventRetentionMs,
  }),
};

/** The registration entry of `toss-foreign-pay`: adapter, its client, its webhook bounds, its test double, its v1 routes. */
export const TOSS_FOREIGN_PAY_REGISTRATION: AdapterRegistrationEntry = {
  adapter: TossForeignPayAdapter,
  imports: [tossClientModule],
  options: [webhookSettings],
  module: TossForeignPayModule,
  sandbox: tossSandboxPlugin,
};

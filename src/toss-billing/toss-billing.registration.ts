import type { AdapterRegistrationEntry } from '@app/pg-contract';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import { localOrigin } from '../gateway-credentials/gateway-options';
import { TossBillingAdapter } from './toss-billing.adapter';
import { tossBillingOptions } from './toss-billing.options';
import { TOSS_BILLING_SANDBOX } from './toss-billing.sandbox';
import { TOSS_BILLING_OPTIONS } from './toss-billing.types';

/**
 * The registration entry of `toss-billing`: the adapter (it builds its own small client from the options), its options
 * from the validated configuration (TOSS_BASE_URL, or this app's sandbox plugin; the shared PG timeouts), and its test
 * double. No feature module: the core's billing keys, return routes and webhook pipeline reach the adapter.
 */
export const TOSS_BILLING_REGISTRATION: AdapterRegistrationEntry = {
  adapter: TossBillingAdapter,
  options: [
    {
      provide: TOSS_BILLING_OPTIONS,
      inject: [appConfig.KEY, pgConfig.KEY],
      useFactory: (app: AppConfig, pg: PgConfig) =>
        tossBillingOptions({
          sandbox: pg.sandbox,
          localOrigin: localOrigin(app),
          tossBaseUrl: pg.tossBaseUrl,
          timeoutMs: pg.timeoutMs,
          connectTimeoutMs: pg.connectTimeoutMs,
        }),
    },
  ],
  sandbox: TOSS_BILLING_SANDBOX,
};

import type { AdapterRegistrationEntry } from '@app/pg-contract';
import { tossSandboxPlugin } from '@app/pg-sandbox';
import { TossClientModule } from '@app/toss-client';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import { pgBaseUrl } from '../gateways/gateway-options';
import { TossForeignPayAdapter } from './toss-foreign-pay.adapter';
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

/** The registration entry of `toss-foreign-pay`: adapter, its client, its test double. */
export const TOSS_FOREIGN_PAY_REGISTRATION: AdapterRegistrationEntry = {
  adapter: TossForeignPayAdapter,
  imports: [tossClientModule],
  module: TossForeignPayModule,
  sandbox: tossSandboxPlugin,
};

import type { AdapterRegistrationEntry } from '@app/pg-contract';
import { portoneSandboxPlugin } from '@app/pg-sandbox';
import { PortoneClientModule } from '@app/portone-client';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import { pgBaseUrl } from '../gateway-credentials/gateway-options';
import { PortonePaypalRtAdapter } from './portone-paypal-rt.adapter';
import { PortonePaypalRtModule } from './portone-paypal-rt.module';

/** The PortOne V1 client: PORTONE_BASE_URL, or the sandbox plugin on this app; the shared PG timeouts. */
export const portoneClientModule = PortoneClientModule.registerAsync({
  inject: [appConfig.KEY, pgConfig.KEY],
  useFactory: (app: AppConfig, pg: PgConfig) => ({
    baseUrl: pgBaseUrl(app, pg.portoneBaseUrl, portoneSandboxPlugin.prefix),
    timeoutMs: pg.timeoutMs,
    connectTimeoutMs: pg.connectTimeoutMs,
    // Since 2026-01-26 PortOne hides test-channel payments unless include_sandbox=true is sent.
    sandbox: pg.sandbox,
  }),
});

/** The registration entry of `portone-paypal-rt`: adapter, its client, its test double. */
export const PORTONE_PAYPAL_RT_REGISTRATION: AdapterRegistrationEntry = {
  adapter: PortonePaypalRtAdapter,
  imports: [portoneClientModule],
  module: PortonePaypalRtModule,
  sandbox: portoneSandboxPlugin,
};

import { Global, Module, type OnModuleDestroy, Inject, Optional } from '@nestjs/common';
import { PgContractModule } from '@app/pg-contract';
import type { PgSandbox } from '@app/pg-sandbox';
import { PortoneClientModule } from '@app/portone-client';
import { TossClientModule } from '@app/toss-client';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import { GatewayCredentialsService } from './gateway-credentials.service';
import { GATEWAY_ADAPTERS } from './gateways.registration';
import { createAppSandbox, PG_SANDBOX } from './gateways.sandbox';

/**
 * Where the app itself reaches the in-process sandbox: the local listener, not PUBLIC_BASE_URL (which may be a
 * public name this host cannot resolve or reach from inside).
 */
export function localOrigin(app: AppConfig): string {
  const host = app.host === '0.0.0.0' || app.host === '::' ? '127.0.0.1' : app.host.includes(':') ? `[${app.host}]` : app.host;
  return `http://${host}:${app.port}`;
}

/** PG base URLs: the configured real hosts, or the sandbox mounted on this app. */
export function pgBaseUrls(app: AppConfig, pg: PgConfig): { toss: string; portone: string } {
  const local = localOrigin(app);
  return { toss: pg.tossBaseUrl ?? `${local}/sandbox/toss`, portone: pg.portoneBaseUrl ?? `${local}/sandbox/portone` };
}

const tossClient = TossClientModule.registerAsync({
  inject: [appConfig.KEY, pgConfig.KEY],
  useFactory: (app: AppConfig, pg: PgConfig) => ({
    baseUrl: pgBaseUrls(app, pg).toss,
    timeoutMs: pg.timeoutMs,
    connectTimeoutMs: pg.connectTimeoutMs,
  }),
});
const portoneClient = PortoneClientModule.registerAsync({
  inject: [appConfig.KEY, pgConfig.KEY],
  useFactory: (app: AppConfig, pg: PgConfig) => ({
    baseUrl: pgBaseUrls(app, pg).portone,
    timeoutMs: pg.timeoutMs,
    connectTimeoutMs: pg.connectTimeoutMs,
    // Since 2026-01-26 PortOne hides test-channel payments unless include_sandbox=true is sent.
    sandbox: pg.sandbox,
  }),
});

/** The two PG clients, in one module so the registry's adapters and the feature modules share the same instances. */
@Module({ imports: [tossClient, portoneClient], exports: [tossClient, portoneClient] })
export class PgClientsModule {}

/**
 * Global: the PG clients, the gateway registry (adapters from gateways.registration.ts), each merchant's PG
 * credentials (own or, in sandbox mode, the sandbox's) and the in-process sandbox instance.
 */
@Global()
@Module({
  imports: [PgClientsModule, PgContractModule.forRoot({ adapters: GATEWAY_ADAPTERS, imports: [PgClientsModule] })],
  providers: [
    GatewayCredentialsService,
    { provide: PG_SANDBOX, inject: [pgConfig.KEY, appConfig.KEY], useFactory: (pg: PgConfig, app: AppConfig) => createAppSandbox(pg.sandbox, app.production) },
  ],
  exports: [PgClientsModule, PgContractModule, GatewayCredentialsService, PG_SANDBOX],
})
export class GatewaysModule implements OnModuleDestroy {
  constructor(@Optional() @Inject(PG_SANDBOX) private readonly sandbox?: PgSandbox) {}

  onModuleDestroy(): void {
    this.sandbox?.close();
  }
}

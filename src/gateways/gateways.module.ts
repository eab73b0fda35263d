import { Global, Inject, Module, Optional, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { PgContractModule, registrationImports } from '@app/pg-contract';
import type { PgSandbox } from '@app/pg-sandbox';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { createAppSandbox, PG_SANDBOX } from '../gateway-credentials/gateway-sandbox';
import { GATEWAY_ADAPTERS } from './gateways.registration';
import { GatewaysController } from './gateways.controller';

/** The modules the registration entries ask for (PG clients): one instance each, shared by adapters and features. */
const GATEWAY_IMPORTS = registrationImports(GATEWAY_ADAPTERS) as DynamicModule[];

/**
 * Global: the registered gateways (registry, their PG clients, their sandbox plugins), each merchant's PG credentials
 * (own or, in sandbox mode, the gateway's sandbox plugin's) and the in-process sandbox instance.
 */
@Global()
@Module({
  imports: [...GATEWAY_IMPORTS, PgContractModule.forRoot({ adapters: GATEWAY_ADAPTERS })],
  controllers: [GatewaysController],
  providers: [
    GatewayCredentialsService,
    {
      provide: PG_SANDBOX,
      inject: [pgConfig.KEY, appConfig.KEY],
      useFactory: (pg: PgConfig, app: AppConfig) => createAppSandbox(pg.sandbox, app.production),
    },
  ],
  exports: [...GATEWAY_IMPORTS, PgContractModule, GatewayCredentialsService, PG_SANDBOX],
})
export class GatewaysModule implements OnModuleDestroy {
  constructor(@Optional() @Inject(PG_SANDBOX) private readonly sandbox?: PgSandbox) {}

  onModuleDestroy(): void {
    this.sandbox?.close();
  }
}

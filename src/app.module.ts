import { DynamicModule, Module, type OnModuleDestroy } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { registrationModules } from '@app/pg-contract';
import { DataSource } from 'typeorm';
import type { DestinationStream } from 'pino';
import { ApiKeyGuard } from './auth/api-key.guard';
import { BillingKeysModule } from './billing-keys/billing-keys.module';
import { BillingModule } from './billing/billing.module';
import { ChargesModule } from './charges/charges.module';
import { ClientSecretsModule } from './client-secrets/client-secrets.module';
import { ClockModule } from './clock/clock.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { allConfig, databaseConfig, type DatabaseConfig, readEnv } from './config/configuration';
import { CustomersModule } from './customers/customers.module';
import { EventsModule } from './events/events.module';
import { GatewaysModule } from './gateways/gateways.module';
import { GATEWAY_ADAPTERS } from './gateways/gateways.registration';
import { WebhooksModule } from './webhooks/webhooks.module';
import { buildDataSourceOptions } from './database/database.options';
import { serializeSqliteTransactions } from './database/sqlite-transactions';
import { DrainModule } from './drain/drain.module';
import { DrainService } from './drain/drain.service';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { LoggingModule } from './logging/logging.module';
import { MerchantsModule } from './merchants/merchants.module';
import { MetricsModule } from './metrics/metrics.module';
import { OrdersModule } from './orders/orders.module';
import { PlansModule } from './plans/plans.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RiskModule } from './risk/risk.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { WebhookEndpointsModule } from './webhook-endpoints/webhook-endpoints.module';

export interface AppModuleOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

@Module({})
export class AppModule implements OnModuleDestroy {
  constructor(private readonly drain: DrainService) {}

  /**
   * The drain starts here: Nest destroys the root module first and runs every onModuleDestroy before any
   * beforeApplicationShutdown, and the PG clients close their sockets in theirs (calls in flight would end UNKNOWN).
   */
  onModuleDestroy(): Promise<void> {
    return this.drain.drainAll();
  }

  /** Built per call so that configuration is validated when the app is created, not when this file is imported. */
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    readEnv(); // fail fast with one line naming the variable
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfig }),
        LoggingModule.forRoot(options.logStream),
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (db: DatabaseConfig) => buildDataSourceOptions(db),
          dataSourceFactory: async (options) =>
            serializeSqliteTransactions(await new DataSource(options!).initialize()),
        }),
        ClockModule,
        DrainModule,
        RateLimitModule,
        MetricsModule,
        HealthModule,
        MerchantsModule,
        ClientSecretsModule,
        IdempotencyModule,
        EventsModule,
        CustomersModule,
        PlansModule,
        RiskModule,
        GatewaysModule,
        BillingKeysModule,
        OrdersModule,
        WebhooksModule,
        SubscriptionsModule,
        ChargesModule,
        BillingModule,
        WebhookEndpointsModule,
        // Each gateway's own feature module (routes, webhook receiver), from its registration entry.
        ...registrationModules(GATEWAY_ADAPTERS),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    };
  }
}

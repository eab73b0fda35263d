import { Module, type DynamicModule, type ModuleMetadata, type Provider, type Type } from '@nestjs/common';
import type { PaymentGatewayAdapter } from './pg.adapter';
import { GatewayRegistry } from './pg.registry';
import { PG_ADAPTERS } from './pg.tokens';

/** An adapter to register: a class (instantiated by Nest with its own dependencies) or a ready instance. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AdapterRegistration = Type<PaymentGatewayAdapter<any>> | PaymentGatewayAdapter<any>;

/** Options of {@link PgContractModule.forRoot}. */
export interface PgContractModuleOptions {
  /** The gateways, one entry each: registering a new PG is one line here. */
  readonly adapters: readonly AdapterRegistration[];
  /** Modules the adapter classes need (HTTP clients, configuration). */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers the adapter classes need (their options). */
  readonly providers?: readonly Provider[];
  /** Make {@link GatewayRegistry} available everywhere without importing the module. Default false. */
  readonly global?: boolean;
}

/**
 * Registers payment gateway adapters under {@link PG_ADAPTERS} and provides the {@link GatewayRegistry}, which checks
 * the registration at boot:
 *
 * ```ts
 * PgContractModule.forRoot({ adapters: [TossForeignPayAdapter, PortonePaypalRtAdapter] })
 * ```
 */
@Module({})
export class PgContractModule {
  /** See {@link PgContractModuleOptions}. */
  static forRoot(options: PgContractModuleOptions): DynamicModule {
    const providers: Provider[] = [...(options.providers ?? [])];
    const tokens: Array<string | Type<unknown>> = [];
    options.adapters.forEach((entry, i) => {
      if (typeof entry === 'function') {
        providers.push(entry);
        tokens.push(entry);
      } else {
        const token = `PG_ADAPTER_INSTANCE_${i}`;
        providers.push({ provide: token, useValue: entry });
        tokens.push(token);
      }
    });
    providers.push(
      { provide: PG_ADAPTERS, useFactory: (...adapters: PaymentGatewayAdapter[]) => adapters, inject: tokens },
      GatewayRegistry,
    );
    return {
      module: PgContractModule,
      global: options.global ?? false,
      imports: options.imports ?? [],
      providers,
      exports: [GatewayRegistry, PG_ADAPTERS],
    };
  }
}

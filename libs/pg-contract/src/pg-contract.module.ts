import { Module, type DynamicModule, type ModuleMetadata, type Provider, type Type } from '@nestjs/common';
import type { PaymentGatewayAdapter } from './pg.adapter';
import { GatewayRegistry } from './pg.registry';
import { PG_ADAPTERS, PG_SANDBOX_PLUGINS } from './pg.tokens';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAdapter = PaymentGatewayAdapter<any>;

/**
 * What a registration entry needs to know of a PG's test double (the full type, with `register`, is `SandboxPlugin`
 * in `@app/pg-sandbox`; this library never depends on the sandbox). Only used in sandbox mode.
 */
export interface SandboxPluginRegistration {
  /** For logs and error messages. */
  readonly name: string;
  /** Mounted at `/sandbox/<prefix>`: lower-case letters, digits and dashes. */
  readonly prefix: string;
  /** Credentials a merchant without its own gets in sandbox mode (deterministic per merchant). */
  sandboxCredentials(merchantId: string): unknown;
  /** The merchant's own credentials as the adapter takes them in sandbox mode (e.g. marked as test keys). Default: as they are. */
  ownCredentials?(credentials: unknown): unknown;
  /**
   * Registers our webhook URL for the account the credentials belong to, where the simulated PG posts webhooks only to
   * a URL registered per account (as a PG console does per MID). `sandbox` is the app's sandbox instance.
   */
  registerWebhookUrl?(sandbox: unknown, credentials: unknown, url: string): void;
}

/**
 * One gateway in the registration list, in full: its adapter, the modules and providers the adapter needs (its PG
 * client configured with base URL and timeouts, its options), and its test double. A bare class or instance is the
 * same as `{ adapter }`.
 */
export interface AdapterRegistrationEntry {
  readonly adapter: Type<AnyAdapter> | AnyAdapter;
  /** Modules the adapter needs (its PG client module, configured in the PG's own folder). Exported to the app too. */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers the adapter needs (`{ provide, useValue | useFactory }`). */
  readonly options?: readonly Provider[];
  /** The PG's test double, mounted under `/sandbox/<prefix>` in sandbox mode. */
  readonly sandbox?: SandboxPluginRegistration;
  /** The PG's own feature module (its routes, e.g. one-time checkout, and its webhook receiver), imported by the app. */
  readonly module?: Type<unknown> | DynamicModule;
}

/** An adapter to register: a class (instantiated by Nest with its own dependencies), a ready instance, or a full entry. */
export type AdapterRegistration = Type<AnyAdapter> | AnyAdapter | AdapterRegistrationEntry;

/** Normalises a registration to its full entry. */
export function registrationEntry(r: AdapterRegistration): AdapterRegistrationEntry {
  return typeof r === 'object' && r !== null && 'adapter' in r && !('descriptor' in r)
    ? r
    : { adapter: r as Type<AnyAdapter> | AnyAdapter };
}

/** The modules every registration entry asks for (so the app can share the same PG client instances). */
export function registrationImports(
  registrations: readonly AdapterRegistration[],
): NonNullable<ModuleMetadata['imports']> {
  return registrations.flatMap((r) => registrationEntry(r).imports ?? []);
}

/** The gateways' own feature modules, for the app to import. */
export function registrationModules(
  registrations: readonly AdapterRegistration[],
): Array<Type<unknown> | DynamicModule> {
  return registrations.flatMap((r) => {
    const m = registrationEntry(r).module;
    return m ? [m] : [];
  });
}

/** Options of {@link PgContractModule.forRoot}. */
export interface PgContractModuleOptions {
  /** The gateways, one entry each: registering a new PG is one line here. */
  readonly adapters: readonly AdapterRegistration[];
  /** Modules the adapter classes need (HTTP clients, configuration), besides each entry's own `imports`. */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers the adapter classes need (their options), besides each entry's own `options`. */
  readonly providers?: readonly Provider[];
  /** Make {@link GatewayRegistry} available everywhere without importing the module. Default false. */
  readonly global?: boolean;
}

/**
 * Registers payment gateway adapters under {@link PG_ADAPTERS} and provides the {@link GatewayRegistry}, which checks
 * the registration at boot, and {@link PG_SANDBOX_PLUGINS} (gateway code → its test double):
 *
 * ```ts
 * PgContractModule.forRoot({ adapters: [TossForeignPayAdapter, { adapter: PortonePaypalRtAdapter, imports: [client], sandbox }] })
 * ```
 */
@Module({})
export class PgContractModule {
  /** See {@link PgContractModuleOptions}. */
  static forRoot(options: PgContractModuleOptions): DynamicModule {
    const entries = options.adapters.map(registrationEntry);
    const providers: Provider[] = [...(options.providers ?? []), ...entries.flatMap((e) => e.options ?? [])];
    const tokens: Array<string | Type<unknown>> = [];
    entries.forEach(({ adapter }, i) => {
      if (typeof adapter === 'function') {
        providers.push(adapter);
        tokens.push(adapter);
      } else {
        const token = `PG_ADAPTER_INSTANCE_${i}`;
        providers.push({ provide: token, useValue: adapter });
        tokens.push(token);
      }
    });
    providers.push(
      { provide: PG_ADAPTERS, useFactory: (...adapters: PaymentGatewayAdapter[]) => adapters, inject: tokens },
      {
        provide: PG_SANDBOX_PLUGINS,
        inject: [PG_ADAPTERS],
        useFactory: (adapters: PaymentGatewayAdapter[]) =>
          new Map(
            adapters.flatMap((a, i) =>
              entries[i].sandbox && a?.descriptor ? [[a.descriptor.code, entries[i].sandbox!] as const] : [],
            ),
          ),
      },
      GatewayRegistry,
    );
    return {
      module: PgContractModule,
      global: options.global ?? false,
      imports: [...(options.imports ?? []), ...entries.flatMap((e) => e.imports ?? [])],
      providers,
      // Adapter classes are exported too: a gateway's own feature module injects its adapter by class (the registered
      // instance), with its methods beyond the contract, instead of downcasting the registry's.
      exports: [
        GatewayRegistry,
        PG_ADAPTERS,
        PG_SANDBOX_PLUGINS,
        ...tokens.filter((t): t is Type<unknown> => typeof t === 'function'),
      ],
    };
  }
}

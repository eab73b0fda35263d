/**
 * Injection token of the list of registered adapters (`PaymentGatewayAdapter[]`), in registration order. Provided by
 * `PgContractModule.forRoot`; most code wants `GatewayRegistry` instead.
 */
export const PG_ADAPTERS = 'PG_ADAPTERS';

/**
 * Injection token of the registered gateways' test doubles: `ReadonlyMap<code, SandboxPluginRegistration>`, from the
 * registration entries that declare a `sandbox`. Provided by `PgContractModule.forRoot`.
 */
export const PG_SANDBOX_PLUGINS = 'PG_SANDBOX_PLUGINS';

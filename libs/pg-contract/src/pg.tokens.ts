/**
 * Injection token of the list of registered adapters (`PaymentGatewayAdapter[]`), in registration order. Provided by
 * `PgContractModule.forRoot`; most code wants `GatewayRegistry` instead.
 */
export const PG_ADAPTERS = 'PG_ADAPTERS';

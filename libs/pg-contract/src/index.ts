export * from './pg.money';
export * from './pg.outcomes';
export * from './pg.descriptor';
export * from './pg.adapter';
export * from './pg.errors';
export * from './pg.integrity';
export * from './pg.mapper';
export * from './pg.tokens';
export * from './pg.registry';
export * from './pg-contract.module';
export {
  REFERENCE_ADAPTER_OPTIONS,
  REFERENCE_DESCRIPTOR,
  ReferenceAdapter,
  type ReferenceAdapterOptions,
  type ReferenceCredentials,
} from './reference/reference.adapter';
export { PAYPAL_DECLINE_TABLE, PORTONE_STATUS_TABLE } from './reference/reference.mapper';
export * from './testing';

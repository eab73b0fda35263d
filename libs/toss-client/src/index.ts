export { TossClient, type TossReadOptions } from './toss.client';
export {
  checkTossBaseUrl,
  checkTossTimeout,
  interpretTossOutcome,
  tossHeaders,
  type TossWireHeaders,
} from './toss.wire';
export { TossClientModule, type TossClientModuleAsyncOptions } from './toss.module';
export { TOSS_CLIENT_OPTIONS, TOSS_DEFAULT_API_VERSION, type TossClientOptions } from './toss.options';
export * from './toss.types';
export * from './toss-webhook.parser';
export { usdToCents, centsToUsd } from './toss.money';
export type {
  PgOk,
  PgErrorResult,
  PgInvalidRequest,
  PgNotSent,
  PgNotSentReason,
  PgUnknown,
  PgUnknownReason,
} from '@app/pg-http';

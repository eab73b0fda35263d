export { AGAIN_NAME_MAX, PortoneClient, interpretPortoneOutcome } from './portone.client';
export { isPortoneNotFound, PORTONE_NOT_FOUND_MESSAGES } from './portone.not-found';
export { PortoneClientModule, type PortoneClientModuleAsyncOptions } from './portone.module';
export { PORTONE_CLIENT_OPTIONS, systemClock, type PortoneClientOptions, type PortoneClock } from './portone.options';
export {
  type PortonePaymentStatus,
  type PortonePaymentStatusFilter,
  type PortonePaymentCancel,
  type PortonePayment,
  type PortoneCustomer,
  type PortoneCredentials,
  type PortoneCallOptions,
  type PortoneGetPaymentOptions,
  type PortoneDeleteCustomerOptions,
  type PortoneStcEntry,
  type PortonePaypalBypass,
  type PortoneAgainRequest,
  type PortonePaymentRef,
  type PortoneCancelRequest,
  type PortonePgError,
  type PortoneResult,
  portonePaymentShape,
  portoneCustomerShape,
} from './portone.types';
export { isPaypalPending, paypalPendingInfo, type PaypalPendingInfo } from './portone-paypal.pending';
export { parsePortoneWebhook, type PortoneWebhook, type PortoneWebhookParseResult } from './portone-webhook.parser';
export { currencyExponent, minorToPortoneAmount, portoneAmountToMinor } from './portone.money';
export type {
  PgOk,
  PgErrorResult,
  PgInvalidRequest,
  PgNotSent,
  PgNotSentReason,
  PgUnknown,
  PgUnknownReason,
} from '@app/pg-http';

import { HttpStatus } from '@nestjs/common';
import {
  type GatewayRegistry,
  type GatewayDescriptor,
  hasCapability,
  ONE_TIME_CORE_METHODS,
  type OneTimeAdapter,
  type OneTimeErrorKind,
} from '@app/pg-contract';
import { DomainError, GatewayDomainError } from '../common/errors/domain.error';

/** The HTTP status of each one-time payment error kind (the code is `<errorCodePrefix>_<kind>`). Stable. */
export const ORDER_ERROR_STATUS: Readonly<Record<OneTimeErrorKind, HttpStatus>> = Object.freeze({
  AMOUNT_MISMATCH: HttpStatus.BAD_REQUEST,
  REDIRECT_INVALID: HttpStatus.BAD_REQUEST,
  PAYMENT_SESSION_EXPIRED: HttpStatus.GONE,
  PAYMENT_REJECTED: HttpStatus.PAYMENT_REQUIRED,
  PAYMENT_DECLINED: HttpStatus.PAYMENT_REQUIRED,
  PROVIDER_ERROR: HttpStatus.SERVICE_UNAVAILABLE,
  GATEWAY_MISCONFIGURED: HttpStatus.BAD_GATEWAY,
  GATEWAY_REQUEST_INVALID: HttpStatus.BAD_GATEWAY,
  GATEWAY_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  ORDER_ALREADY_PAID: HttpStatus.CONFLICT,
  PAYMENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  CONFIRM_IN_PROGRESS: HttpStatus.CONFLICT,
  ORDER_NOT_CANCELABLE: HttpStatus.CONFLICT,
  REFUND_EXCEEDS_BALANCE: HttpStatus.CONFLICT,
  CANCEL_REFUSED: HttpStatus.CONFLICT,
  WEBHOOK_RETRY: HttpStatus.SERVICE_UNAVAILABLE,
});

/** The code a gateway's one-time error of `kind` is answered with. */
export function orderErrorCode(descriptor: Pick<GatewayDescriptor, 'errorCodePrefix'>, kind: OneTimeErrorKind): string {
  return `${descriptor.errorCodePrefix ?? 'ORDER'}_${kind}`;
}

/** A one-time payment error of a gateway, mapped to HTTP by the core filter. */
export function orderError(
  descriptor: Pick<GatewayDescriptor, 'errorCodePrefix'>,
  kind: OneTimeErrorKind,
  message: string,
  details?: unknown[],
): GatewayDomainError {
  return new GatewayDomainError(orderErrorCode(descriptor, kind), ORDER_ERROR_STATUS[kind], message, details);
}

/**
 * Problems at boot: a gateway that declares `oneTimePayments` but lacks a method this core calls would otherwise
 * surface as 400 UNSUPPORTED_GATEWAY on its first order. Empty when every one-time gateway is complete.
 */
export function oneTimeRegistrationProblems(registry: GatewayRegistry): string[] {
  return registry
    .list()
    .filter((d) => hasCapability(d, 'oneTimePayments'))
    .flatMap((d) => {
      const adapter = registry.get(d.code) as unknown as Record<string, unknown>;
      return ONE_TIME_CORE_METHODS.filter((m) => typeof adapter[m] !== 'function').map(
        (m) =>
          `${d.code}: declares oneTimePayments but does not implement ${m}() (the one-time payments core calls it)`,
      );
    });
}

/** Whether the registered gateway takes one-time payments through this core (capability and every method it calls). */
export function isOneTimeGateway(registry: GatewayRegistry, gateway: string): boolean {
  if (!registry.has(gateway)) return false;
  const adapter = registry.get(gateway);
  if (!hasCapability(adapter.descriptor, 'oneTimePayments')) return false;
  return ONE_TIME_CORE_METHODS.every((m) => typeof (adapter as unknown as Record<string, unknown>)[m] === 'function');
}

/** The adapter of a one-time gateway, typed by its contract; 400 UNSUPPORTED_GATEWAY for any other code. */
export function oneTimeAdapter<C>(registry: GatewayRegistry, gateway: string): OneTimeAdapter<C> {
  if (!isOneTimeGateway(registry, gateway)) {
    throw new DomainError('UNSUPPORTED_GATEWAY', `Gateway ${gateway} does not offer one-time payments`, [
      { field: 'gateway', errors: ['not a one-time payment gateway'] },
    ]);
  }
  return registry.get(gateway) as OneTimeAdapter<C>;
}

import { HttpStatus } from '@nestjs/common';
import { GatewayDomainError } from '../common/errors/domain.error';

/** Toss's own error codes of our API and their HTTP statuses: this folder's, not the core's (stable: never rename one). */
export const TOSS_ERROR_STATUS = {
  TOSS_AMOUNT_MISMATCH: HttpStatus.BAD_REQUEST,
  TOSS_REDIRECT_INVALID: HttpStatus.BAD_REQUEST,
  TOSS_PAYMENT_SESSION_EXPIRED: HttpStatus.GONE,
  TOSS_PAYMENT_REJECTED: HttpStatus.PAYMENT_REQUIRED,
  TOSS_PAYMENT_DECLINED: HttpStatus.PAYMENT_REQUIRED,
  TOSS_PROVIDER_ERROR: HttpStatus.SERVICE_UNAVAILABLE,
  TOSS_GATEWAY_MISCONFIGURED: HttpStatus.BAD_GATEWAY,
  TOSS_GATEWAY_REQUEST_INVALID: HttpStatus.BAD_GATEWAY,
  TOSS_GATEWAY_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  TOSS_ORDER_ALREADY_PAID: HttpStatus.CONFLICT,
  TOSS_PAYMENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  TOSS_CONFIRM_IN_PROGRESS: HttpStatus.CONFLICT,
  TOSS_ORDER_NOT_CANCELABLE: HttpStatus.CONFLICT,
  TOSS_REFUND_EXCEEDS_BALANCE: HttpStatus.CONFLICT,
  TOSS_CANCEL_REFUSED: HttpStatus.CONFLICT,
  TOSS_WEBHOOK_RETRY: HttpStatus.SERVICE_UNAVAILABLE,
} as const satisfies Record<string, HttpStatus>;

export type TossErrorCode = keyof typeof TOSS_ERROR_STATUS;

/** A Toss error for the client, mapped to HTTP by the core filter with its status from the table above. */
export function tossError(code: TossErrorCode, message: string, details?: unknown[]): GatewayDomainError {
  return new GatewayDomainError(code, TOSS_ERROR_STATUS[code], message, details);
}

import { HttpStatus } from '@nestjs/common';

/**
 * Stable error codes of the REST contract and the HTTP status each maps to. Codes are API: never rename one.
 * Feature modules add their codes here so that the one filter knows every status.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  MALFORMED_JSON: HttpStatus.BAD_REQUEST,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ROUTE_NOT_FOUND: HttpStatus.NOT_FOUND,
  METHOD_NOT_ALLOWED: HttpStatus.METHOD_NOT_ALLOWED,
  CONFLICT: HttpStatus.CONFLICT,
  IDEMPOTENCY_KEY_REUSED: HttpStatus.CONFLICT,
  IDEMPOTENCY_KEY_IN_PROGRESS: HttpStatus.CONFLICT,
  IDEMPOTENCY_KEY_INVALID: HttpStatus.BAD_REQUEST,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  TEST_CLOCK_DISABLED: HttpStatus.FORBIDDEN,
  TEST_CLOCK_BACKWARDS: HttpStatus.BAD_REQUEST,
  UNSUPPORTED_GATEWAY: HttpStatus.BAD_REQUEST,
  UNSUPPORTED_CURRENCY: HttpStatus.BAD_REQUEST,
  DUPLICATE_EXTERNAL_ID: HttpStatus.CONFLICT,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
} as const satisfies Record<string, HttpStatus>;

export type ErrorCode = keyof typeof ERROR_STATUS;

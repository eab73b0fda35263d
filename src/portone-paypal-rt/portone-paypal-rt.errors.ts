import { HttpStatus } from '@nestjs/common';

/** PortOne's own error codes of our API and their HTTP statuses: this folder's, not the core's (stable: never rename one). */
export const PORTONE_ERROR_STATUS = {
  PORTONE_WEBHOOK_RETRY: HttpStatus.SERVICE_UNAVAILABLE,
} as const satisfies Record<string, HttpStatus>;

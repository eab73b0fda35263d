import { ERROR_STATUS, type ErrorCode } from './error-codes';

/**
 * What services throw: a stable code, a message safe to show a client (never a secret or a stack), optional details.
 * The HTTP status comes from the code, in one place (ERROR_STATUS, applied by the exception filter).
 */
export class DomainError extends Error {
  /** No log line of its own: the service that chose it counted or logged it (a 503 asking a PG to retry). */
  quiet = false;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** Marks the error {@link quiet}, for the answers a burst repeats thousands of times. */
  quietly(): this {
    this.quiet = true;
    return this;
  }
}

/**
 * An error whose code a gateway's folder owns (its own table of codes and statuses, e.g. `TOSS_*`): the core lists no
 * PG's codes. Mapped to HTTP by the same filter, with the status it carries.
 */
export class GatewayDomainError extends DomainError {
  constructor(
    code: string,
    readonly status: number,
    message: string,
    details?: unknown[],
  ) {
    super(code as ErrorCode, message, details);
  }
}

/** The HTTP status of a domain error: the core table's, or the one a gateway's own error carries. */
export function statusOf(err: DomainError): number {
  return err instanceof GatewayDomainError ? err.status : ERROR_STATUS[err.code];
}

/** A resource missing or owned by another merchant: both answer the same 404. */
export class NotFoundError extends DomainError {
  constructor(resource: string) {
    super('NOT_FOUND', `${resource} not found`);
  }
}

/** An error response replayed verbatim for a repeated Idempotency-Key (status and body as first answered). */
export class ReplayedErrorResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('replayed error response');
  }
}

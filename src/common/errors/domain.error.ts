import { ErrorCode } from './error-codes';

/**
 * What services throw: a stable code, a message safe to show a client (never a secret or a stack), optional details.
 * The HTTP status comes from the code, in one place (ERROR_STATUS, applied by the exception filter).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
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

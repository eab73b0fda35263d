import { DomainError } from '../common/errors/domain.error';

/**
 * The opaque list cursor: base64url of the last row's (createdAt, id), newest first. A minimal version of the shared
 * pagination helper (src/common/pagination) that lists brings; the lead switches this to it at merge.
 */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([new Date(row.createdAt).toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
    const createdAt = new Date(parsed[0]);
    if (!Number.isNaN(createdAt.getTime()) && parsed[1].length > 0 && parsed[1].length <= 40)
      return { createdAt, id: parsed[1] };
  }
  throw new DomainError('VALIDATION_FAILED', 'Invalid cursor', [
    { field: 'cursor', errors: ['not a cursor this API returned'] },
  ]);
}

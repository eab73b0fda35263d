import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { DomainError } from '../errors/domain.error';

/* eslint-disable no-control-regex -- matching control characters is this file's purpose */

/** C0 controls but tab, line feed and carriage return: free text may carry those three, nothing may carry the rest. */
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
/** Identifiers in a path never carry any control character. */
const PATH_CONTROL = /[\u0000-\u001f\u007f]/;

const MAX_WALK_DEPTH = 64;

/**
 * The first string (value or key) of `value` matching `pattern`, as a dotted path; undefined when there is none.
 * Bodies reach here already depth-limited by the JSON parser; the walk stops at `MAX_WALK_DEPTH` regardless.
 */
export function findControlCharacter(
  value: unknown,
  pattern: RegExp = TEXT_CONTROL,
  path = '',
  depth = 0,
): string | undefined {
  if (typeof value === 'string') return pattern.test(value) ? path || '(value)' : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_WALK_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findControlCharacter(value[i], pattern, `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (pattern.test(key)) return path ? `${path}.(key)` : '(key)';
    const hit = findControlCharacter((value as Record<string, unknown>)[key], pattern, field, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

function refusal(where: 'body' | 'query' | 'path', field: string): DomainError {
  const name = field.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 120);
  return new DomainError('VALIDATION_FAILED', `${name}: must not contain control characters`, [
    {
      field: `${where}.${name}`,
      errors: ['must not contain control characters (only tab, CR and LF are allowed in text)'],
    },
  ]);
}

/**
 * A `preValidation` hook refusing control characters in the body, the query string and path parameters before a
 * guard, an interceptor or a repository sees them: PostgreSQL refuses NUL in text and jsonb, so a NUL that got
 * through was a 500 on PostgreSQL (and stored silently on SQLite). One global check instead of one per DTO.
 */
export function refuseControlCharacters(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const inPath = findControlCharacter(request.params, PATH_CONTROL);
  if (inPath) return done(refusal('path', inPath));
  const inQuery = findControlCharacter(request.query);
  if (inQuery) return done(refusal('query', inQuery));
  const inBody = findControlCharacter(request.body);
  if (inBody) return done(refusal('body', inBody));
  done();
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain.error';

/** Deeper than any request of our contract (customData nests 2 levels); far below what recursion would choke on. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of objects and arrays in a raw JSON text, counted outside strings, stopping as soon as it
 * passes `limit`. One pass over the bytes (UTF-8 continuation bytes are ≥ 0x80, so they never look like brackets).
 * Malformed text is left for the parser to refuse.
 */
export function jsonDepthExceeds(raw: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

type Done = (err: Error | null, body?: unknown) => void;
type JsonParser = (req: FastifyRequest, body: Buffer, done: Done) => void;

/**
 * The `application/json` body parser: refuses nesting deeper than `maxDepth` before anything recursive sees the body
 * (a 10,000-level body overflowed the stack of class-transformer and made the process crawl), then parses with
 * Fastify's own secure parser (`secure-json-parse`: `__proto__` and `constructor.prototype` refused), as before.
 */
export function depthLimitedJsonParser(fastify: FastifyInstance, maxDepth = MAX_JSON_DEPTH): JsonParser {
  const secureParse = fastify.getDefaultJsonParser('error', 'error') as unknown as JsonParser;
  return (req, body, done) => {
    if (jsonDepthExceeds(body, maxDepth)) {
      done(new DomainError('JSON_TOO_DEEP', `Request body nests deeper than ${maxDepth} levels`));
      return;
    }
    secureParse(req, body, done);
  };
}

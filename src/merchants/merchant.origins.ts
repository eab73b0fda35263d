import { DomainError } from '../common/errors/domain.error';

/** Enough for a shop's production, staging and local frontends; a CORS check walks this list per request. */
export const MAX_ALLOWED_ORIGINS = 20;

/**
 * A merchant's allowedOrigins, checked: each exactly as a browser serialises its `Origin` header (scheme://host[:port],
 * lower case, no default port, no path, query or credentials), because CORS compares them as strings. https only in
 * production; duplicates removed. Problems are one 400 naming each bad entry by index.
 */
export function checkedOrigins(origins: readonly string[], production: boolean): string[] {
  const details: Array<{ field: string; errors: string[] }> = [];
  origins.forEach((raw, i) => {
    const problem = originProblem(raw, production);
    if (problem) details.push({ field: `allowedOrigins[${i}]`, errors: [problem] });
  });
  if (details.length > 0)
    throw new DomainError('VALIDATION_FAILED', 'allowedOrigins must be origins: scheme://host[:port]', details);
  return [...new Set(origins)];
}

function originProblem(raw: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an origin (scheme://host[:port])';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be http or https';
  if (production && url.protocol !== 'https:') return 'must be https in production';
  // The origin a browser would send for it; anything more (path, query, user info, case, default port) is refused.
  if (url.origin !== raw) return `must be exactly an origin, e.g. ${url.origin}`;
  return null;
}

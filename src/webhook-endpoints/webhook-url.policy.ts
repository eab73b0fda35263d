import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where the app may send merchants' events. In production only public unicast addresses over https: no loopback,
 * private (RFC 1918), link-local (with the cloud metadata address 169.254.169.254), CGNAT, multicast, reserved,
 * IPv6 unique-local, or IPv4-mapped/translated forms of those. Outside production anything goes (local receivers).
 */
export interface UrlPolicy {
  production: boolean;
}

export class UrlRefused extends Error {}

const LOCAL_NAMES = /(^|\.)(localhost|localdomain|internal|local)$/i;

/** The ipaddr.js range names we allow; everything else (private, loopback, linkLocal, …) is refused. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // ::ffff:10.0.0.1 and friends reach the IPv4 address they wrap: judge that one.
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else return v6.range() === 'unicast';
  }
  return parsed.range() === 'unicast';
}

/** Shape and scheme; in production also the host when it is a literal address or an obviously local name. */
export function checkUrlShape(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefused('only http(s) URLs');
  if (url.username || url.password) throw new UrlRefused('credentials in the URL are not allowed');
  if (url.hash) throw new UrlRefused('a fragment is not allowed');
  if (!policy.production) return url;
  if (url.protocol !== 'https:') throw new UrlRefused('only https URLs');
  const host = hostOf(url);
  if (isIP(host)) {
    if (!isPublicAddress(host)) throw new UrlRefused('the address is not public');
  } else if (LOCAL_NAMES.test(host) || !host.includes('.')) {
    throw new UrlRefused('the host name is not public');
  }
  return url;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;
export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/**
 * The address to connect to: every address the name resolves to must pass (one bad address refuses the whole name,
 * so a name cannot mix a public and a private answer), and the caller connects to the returned one, so a second
 * resolution (DNS rebinding) never gets a say.
 */
export async function resolveAllowed(
  host: string,
  policy: UrlPolicy,
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: number }> {
  const literal = isIP(host);
  if (literal) {
    if (policy.production && !isPublicAddress(host)) throw new UrlRefused('the address is not public');
    return { address: host, family: literal };
  }
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await resolve(host);
  } catch {
    throw new UrlRefused('the host name does not resolve');
  }
  if (answers.length === 0) throw new UrlRefused('the host name does not resolve');
  if (policy.production && answers.some((a) => !isPublicAddress(a.address)))
    throw new UrlRefused('the host name resolves to an address that is not public');
  return answers[0];
}

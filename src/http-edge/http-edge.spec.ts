import { clientKey, edgeServerOptions, trustedProxies } from './http-edge';

describe('http edge helpers', () => {
  it('counts an IPv6 client per /64 and an IPv4-mapped address as the IPv4 one', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('matches socket addresses against the configured proxies, keywords included', () => {
    expect(trustedProxies(false)).toBeUndefined();
    const list = trustedProxies(['10.0.0.0/8', '192.0.2.10', 'loopback', '2001:db8::/32'])!;
    expect(list.check('10.20.30.40', 'ipv4')).toBe(true);
    expect(list.check('192.0.2.10', 'ipv4')).toBe(true);
    expect(list.check('192.0.2.11', 'ipv4')).toBe(false);
    expect(list.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(list.check('::1', 'ipv6')).toBe(true);
    expect(list.check('2001:db8:ffff::1', 'ipv6')).toBe(true);
    expect(list.check('203.0.113.7', 'ipv4')).toBe(false);
  });

  it('trusts no proxy and sets every deadline unless configured otherwise', () => {
    const options = edgeServerOptions({
      trustProxy: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 130_000,
      keepAliveTimeoutMs: 5_000,
      minBodyRateBps: 1_024,
      bodyRateGraceMs: 5_000,
      maxConnectionsPerAddress: 256,
    });
    expect(options).toEqual({
      trustProxy: false,
      connectionTimeout: 130_000,
      keepAliveTimeout: 5_000,
      requestTimeout: 30_000,
    });
  });
});

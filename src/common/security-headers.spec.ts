import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { securityHeaders, securityHeadersMiddleware } from './security-headers';

describe('security headers', () => {
  it('the middleware sets helmet’s headers with our options on a raw response', () => {
    const req = new IncomingMessage(new Socket());
    const res = new ServerResponse(req);
    const next = jest.fn();
    securityHeadersMiddleware()(req, res, next);
    expect(next).toHaveBeenCalledWith();
    expect(res.getHeader('x-content-type-options')).toBe('nosniff');
    expect(res.getHeader('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
  });

  it('the record for pre-routing answers holds the same headers, frozen', () => {
    const h = securityHeaders();
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(h['x-frame-options']).toBe('SAMEORIGIN');
    expect(h['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(h['content-security-policy']).toContain("img-src 'self' data:");
    expect(Object.isFrozen(h)).toBe(true);
  });

  it('fails at boot on options helmet refuses, instead of on every request', () => {
    const bad = { contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], 'bad directive': [] } } } as never;
    expect(() => securityHeadersMiddleware(bad)).toThrow();
    expect(() => securityHeaders(bad)).toThrow();
  });
});

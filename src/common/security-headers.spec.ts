import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it('is what helmet sets with our options, computed once', () => {
    const h = securityHeaders();
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(h['x-frame-options']).toBe('SAMEORIGIN');
    expect(h['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(h['content-security-policy']).toContain("img-src 'self' data:");
    expect(Object.isFrozen(h)).toBe(true);
  });

  it('fails at boot on options helmet refuses, instead of on every request', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], 'bad directive': [] } },
      } as never),
    ).toThrow();
  });
});

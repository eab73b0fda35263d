import { Writable } from 'node:stream';
import { AppLogger, createPino, wantsPretty } from './app-logger';

function capture(): { logger: AppLogger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: new AppLogger(createPino('debug', { stream })),
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('AppLogger', () => {
  it("keeps Nest's call shapes: object and message, the context last, errors under err", () => {
    const { logger, lines } = capture();
    logger.log({ fenced: 2 }, 'results fenced', 'BillingService');
    logger.warn('plain message', 'Ctx');
    logger.debug({ msg: 'request', route: '/health' });
    logger.error(new Error('boom'), 'Errors');
    logger.error('Nest failed', 'Error: Nest failed\n    at x (y.js:1:1)', 'ExceptionHandler');
    const [a, b, c, d, e] = lines();
    expect(a).toMatchObject({ level: 30, fenced: 2, msg: 'results fenced', context: 'BillingService' });
    expect(b).toMatchObject({ level: 40, msg: 'plain message', context: 'Ctx' });
    expect(c).toMatchObject({ level: 20, msg: 'request', route: '/health' });
    expect(c).not.toHaveProperty('context');
    expect(d).toMatchObject({ level: 50, context: 'Errors', err: { message: 'boom' } });
    expect(e).toMatchObject({ level: 50, context: 'ExceptionHandler', err: { message: 'Nest failed' } });
    expect((e.err as { stack: string }).stack).toContain('at x (y.js:1:1)');
  });

  it('redacts secrets', () => {
    const { logger, lines } = capture();
    logger.log({ credentials: { secretKey: 'sk_live_1' }, authorization: 'Bearer x' }, 'creds');
    expect(JSON.stringify(lines()[0])).not.toMatch(/sk_live_1|Bearer x/);
  });

  it('is pretty only outside production on a terminal', () => {
    expect(wantsPretty(false, true)).toBe(true);
    expect(wantsPretty(true, true)).toBe(false);
    expect(wantsPretty(false, false)).toBe(false);
    expect(wantsPretty(false, undefined)).toBe(false);
  });
});

import Fastify from 'fastify';
import { examplesPlugin } from '../examples/server/examples.plugin';
import { startTestApp, type TestApp } from './helpers/test-app';

/** The example pages and the SDK scripts are served in sandbox mode only; what they serve is browser-ready. */
describe('example checkout pages (sandbox mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the pages as HTML and their TypeScript as JavaScript modules', async () => {
    const index = await t.http().get('/examples/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('href="subscribe-paypal.html"');
    const redirect = await t.http().get('/examples');
    expect([redirect.status, redirect.headers.location]).toEqual([308, '/examples/']);

    const js = await t.http().get('/examples/subscribe-paypal.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toContain("from './checkout-api.js'");
    // Type annotations are gone: the browser gets JavaScript.
    expect(js.text).not.toMatch(/: Promise<void>|interface Started/);
  });

  it('serves the SDK scripts as classic scripts (no module syntax) and the windows as pages', async () => {
    for (const path of ['/sandbox/portone/iamport.js', '/sandbox/toss/v2/standard']) {
      const res = await t.http().get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.text).not.toMatch(/^\s*(export|import)\b/m);
      expect(() => new Function(res.text)).not.toThrow();
    }
    for (const path of [
      '/sandbox/portone/windows/paypal-rt',
      '/sandbox/toss/windows/payment',
      '/sandbox/toss/windows/billing-auth',
    ]) {
      const res = await t.http().get(path);
      expect([res.status, res.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    }
  });

  it('serves only the files of the examples folder', async () => {
    for (const path of [
      '/examples/nope.html',
      '/examples/..%2Fpackage.json',
      '/examples/tsconfig.json',
      '/examples/checkout-api.ts',
    ])
      expect((await t.http().get(path)).status).toBe(404);
  });

  it('the backend stand-in refuses bad input with a 4xx error body', async () => {
    const res = await t.http().post('/examples/backend/purchases').send({ email: 'a@example.com' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });
});

describe('example checkout pages outside sandbox mode', () => {
  it('are absent when the sandbox is off', async () => {
    const t = await startTestApp({ PG_SANDBOX: 'false' });
    try {
      for (const path of ['/examples/', '/examples/subscribe-paypal.html', '/sandbox/portone/iamport.js'])
        expect((await t.http().get(path)).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('refuse to register in production', async () => {
    const app = Fastify();
    await expect(
      app
        .register(examplesPlugin, { prefix: '/examples', apiBase: 'http://x', adminApiKey: 'k', production: true })
        .ready(),
    ).rejects.toThrow(/production/);
    await app.close();
  });
});

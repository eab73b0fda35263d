import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { sandboxPortoneKeys } from './sandbox.credentials';
import { pgSandboxPlugin } from './sandbox.plugin';
import { createPgSandbox } from './sandbox';

@Module({})
class EmptyModule {}

// The app mounts the plugin on Nest's Fastify instance; Nest brings its own parsers, error and not-found handling.
describe('mounted in a Nest 12 Fastify application', () => {
  it('serves the PG routes with the PGs’ own shapes, and closes with the app', async () => {
    const sandbox = createPgSandbox();
    const app = await NestFactory.create<NestFastifyApplication>(EmptyModule, new FastifyAdapter(), { logger: false });
    await app.getHttpAdapter().getInstance().register(pgSandboxPlugin, { prefix: '/sandbox', sandbox });
    await app.init();
    try {
      const fastify = app.getHttpAdapter().getInstance();
      const k = sandboxPortoneKeys('nest');
      const token = await fastify.inject({
        method: 'POST',
        url: '/sandbox/portone/users/getToken',
        payload: { imp_key: k.impKey, imp_secret: k.impSecret },
      });
      expect(token.statusCode).toBe(200);
      expect(token.json()).toMatchObject({ code: 0, response: { access_token: expect.any(String) } });
      const form = await fastify.inject({
        method: 'POST',
        url: '/sandbox/portone/users/getToken',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `imp_key=${k.impKey}&imp_secret=${k.impSecret}`,
      });
      expect(form.json().code).toBe(0);
      const missing = await fastify.inject({ method: 'GET', url: '/sandbox/portone/nope' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ code: -1, message: expect.any(String), response: null });
      const bad = await fastify.inject({
        method: 'POST',
        url: '/sandbox/toss/v1/payments/confirm',
        headers: { 'content-type': 'application/json' },
        payload: '{',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ code: 'INVALID_REQUEST', message: expect.any(String) });
    } finally {
      await app.close();
      sandbox.close();
    }
  });
});

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import { PG_SANDBOX_PLUGINS } from '@app/pg-contract';
import { pgSandboxPlugin, type PgSandbox, type SandboxPlugin } from '@app/pg-sandbox';
import { AppModule, type AppModuleOptions } from './app.module';
import { installClientSecretCors } from './client-secrets/client-secrets.cors';
import { createValidationPipe } from './common/errors/validation';
import { refuseControlCharacters } from './common/http/control-chars';
import { clientErrorResponder, frameworkErrorResponder } from './common/http/framework-errors';
import { depthLimitedJsonParser } from './common/http/json-parser';
import { securityHeaders, securityHeadersMiddleware } from './common/security-headers';
import { AppLogger } from './logging/app-logger';
import { requestIdFor } from './logging/logging.options';
import { MetricsService } from './metrics/metrics.service';
import { PG_SANDBOX } from './gateway-credentials/gateway-sandbox';
import { appConfig, type AppConfig, httpEdgeConfig, securityConfig } from './config/configuration';
import { examplesPlugin } from '../examples/server/examples.plugin';
import { edgeServerOptions, installHttpEdge } from './http-edge/http-edge';

/** Builds the HTTP application exactly as `main.ts` serves it; e2e tests call this too. */
export async function createApp(options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const edge = httpEdgeConfig();
  const adapter = new FastifyAdapter({
    genReqId: (req: IncomingMessage) => requestIdFor(req as IncomingMessage & { id?: string }),
    bodyLimit: 1024 * 1024,
    ...edgeServerOptions(edge),
    // Bad URL (400) and over-long path parameter (414): answered by the router itself, in our error body.
    frameworkErrors: frameworkErrorResponder(securityHeaders()),
    // Requests Node's HTTP parser refuses (bytes a URL or header cannot carry, oversized headers): our body too.
    clientErrorHandler: clientErrorResponder(securityHeaders()),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(AppLogger));
  app.useGlobalPipes(createValidationPipe());
  // SIGTERM/SIGINT run the drain (DrainService) and then exit 0; Nest's default re-raises the signal instead.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });

  const fastify = app.getHttpAdapter().getInstance();
  // Input hardening: JSON nesting refused before parsing; control characters refused before guards, interceptors and
  // repositories. The PG sandbox (a simulated PG under /sandbox) keeps its own rules.
  app.useBodyParser(
    'application/json',
    { bodyLimit: fastify.initialConfig.bodyLimit },
    depthLimitedJsonParser(fastify),
  );
  fastify.addHook('preValidation', (request, reply, done) => {
    if (request.routeOptions.url?.startsWith('/sandbox/')) return done();
    refuseControlCharacters(request, reply, done);
  });
  // Helmet's headers (its middleware, built once) and the request id, on every response including 404s and the
  // sandbox's. Callback hooks: these run on every request, and an async hook costs a promise each time.
  const helmet = securityHeadersMiddleware();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    helmet(request.raw, reply.raw, done);
  });
  // CORS only for the routes a client secret may call, only for the object's merchant's allowedOrigins.
  installClientSecretCors(app);
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  installHttpEdge(app, edge);

  // Sandbox mode: every registered gateway's sandbox plugin (from its registration entry) at /sandbox/<prefix>, plus
  // the shared control routes, encapsulated (their own parsers and error shapes). Config validation refuses
  // PG_SANDBOX in production; the plugin refuses again on its own.
  const sandbox = app.get<PgSandbox | undefined>(PG_SANDBOX);
  if (sandbox) {
    const { production } = app.get<AppConfig>(appConfig.KEY);
    const plugins = [...new Set(app.get<ReadonlyMap<string, SandboxPlugin>>(PG_SANDBOX_PLUGINS).values())];
    await fastify.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox, production, plugins });
    // The example checkout pages and their merchant backend stand-in (examples/), beside the sandbox only.
    const { publicBaseUrl } = app.get<AppConfig>(appConfig.KEY);
    const { adminApiKey } = app.get<{ adminApiKey: string }>(securityConfig.KEY);
    await fastify.register(examplesPlugin, { prefix: '/examples', apiBase: publicBaseUrl, adminApiKey, production });
  }

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('PayPal subscription billing')
      .setDescription(
        'Merchant REST API: PayPal through Toss foreign easy pay and PortOne V1 PayPal RT billing keys. Errors: { statusCode, code, message, details? }.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { registerControlRoutes } from './sandbox.control.routes';
import { markArrival } from './sandbox.http';
import type { SandboxBehaviourOptions } from './sandbox.options';
import { BUILT_IN_SANDBOX_PLUGINS, sandboxPluginProblems, type SandboxPlugin } from './sandbox.plugin-api';
import { createPgSandbox, type PgSandbox } from './sandbox';

/** Options of `pgSandboxPlugin` (and `startSandbox`): the behaviour options plus the plugin-only ones. */
export interface PgSandboxOptions extends SandboxBehaviourOptions {
  /** When true the plugin refuses to register: the sandbox must never run in production. */
  production?: boolean;
  /**
   * An instance created with `createPgSandbox()`, so the caller can await webhook delivery (`idle()`), move the clock
   * or read stats in-process. The behaviour options are then taken from that instance. Without it the plugin
   * creates its own instance and closes it with the server.
   */
  sandbox?: PgSandbox;
  /** The gateways' test doubles, each mounted at `/<prefix>`. Default: the built-in Toss and PortOne ones. */
  plugins?: readonly SandboxPlugin[];
}

const FORM = 'application/x-www-form-urlencoded';

function gatewayOf(url: string): 'toss' | 'portone' | 'control' {
  if (url.includes('/toss/')) return 'toss';
  if (url.includes('/portone/')) return 'portone';
  return 'control';
}

/** An error body in the shape of whichever API the failing URL belongs to. */
function errorBody(url: string, status: number, message: string): unknown {
  switch (gatewayOf(url)) {
    case 'toss':
      return {
        code: status >= 500 ? 'FAILED_INTERNAL_SYSTEM_PROCESSING' : status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST',
        message,
      };
    case 'portone':
      return { code: -1, message, response: null };
    default:
      return { error: status >= 500 ? 'INTERNAL' : status === 404 ? 'NOT_FOUND' : 'INVALID', message };
  }
}

/**
 * The PG sandbox as a Fastify plugin. Register it encapsulated (not through fastify-plugin) with a prefix:
 * `fastify.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox, plugins })`. Mounts the control routes and each
 * gateway plugin at `/<plugin.prefix>` (the built-in Toss and PortOne ones when `plugins` is not given). Refuses to
 * register when `production` is true.
 */
export const pgSandboxPlugin: FastifyPluginAsync<PgSandboxOptions> = async (
  app: FastifyInstance,
  options: PgSandboxOptions,
) => {
  if (options.production) throw new Error('pg-sandbox refuses to run in production');
  const owned = !options.sandbox;
  const sandbox = options.sandbox ?? createPgSandbox(options);
  if (sandbox.isClosed) throw new Error('pg-sandbox: the sandbox instance is closed');
  const runner = sandbox.createRunner();

  // PortOne's API takes form bodies as well as JSON (its OpenAPI lists formData parameters). Repeated keys
  // (notice_url) become arrays.
  if (!app.hasContentTypeParser(FORM)) {
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, out);
    });
  }

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const status =
      typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    // Client errors (bad JSON, wrong content type) carry their own message; an internal one never leaks details.
    const message = status < 500 ? err.message : 'sandbox internal error';
    if (reply.sent || reply.raw.headersSent) return;
    return reply.code(status).send(errorBody(req.url, status, message));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody(req.url, 404, `no sandbox route ${req.method} ${req.url.split('?')[0]}`)),
  );

  // Each request's arrival, from which the global latency is counted (see PgRouteRunner): the first hook it meets here.
  app.addHook('onRequest', (req, _reply, done) => {
    markArrival(req);
    done();
  });

  const plugins = options.plugins ?? BUILT_IN_SANDBOX_PLUGINS;
  const problems = sandboxPluginProblems(plugins);
  if (problems.length > 0) throw new Error(`pg-sandbox: invalid plugins:\n  - ${problems.join('\n  - ')}`);
  for (const plugin of plugins)
    if (plugin.faultOperations) sandbox.registerFaultOperations(plugin.prefix, plugin.faultOperations);
  for (const plugin of plugins)
    await app.register(async (child) => plugin.register(child, { sandbox, runner }), { prefix: `/${plugin.prefix}` });
  registerControlRoutes(app, sandbox);

  // Held sockets (timeout_after_commit) would keep server.close() waiting: drop them as closing starts.
  app.addHook('preClose', async () => {
    sandbox.releaseRunner(runner);
    if (owned) sandbox.close();
  });
  app.addHook('onClose', async () => {
    sandbox.releaseRunner(runner);
    if (owned) sandbox.close();
  });
};

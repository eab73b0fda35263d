import Fastify from 'fastify';
import { pgSandboxPlugin } from './sandbox.plugin';
import { createPgSandbox } from './sandbox';

/**
 * The sandbox on its own port: `SANDBOX_PORT` (default 4010), `SANDBOX_HOST` (default 127.0.0.1),
 * `SANDBOX_LATENCY_MS` (default 0), `SANDBOX_PORTONE_WEBHOOK_FORMAT` (json|form). The only place that reads
 * process.env. Refuses to start when NODE_ENV=production.
 */
async function main(): Promise<void> {
  const env = process.env;
  if (env.NODE_ENV === 'production') throw new Error('pg-sandbox refuses to start with NODE_ENV=production');
  const port = intFromEnv('SANDBOX_PORT', env.SANDBOX_PORT, 4010, 0, 65535);
  const host = env.SANDBOX_HOST || '127.0.0.1';
  const latencyMs = intFromEnv('SANDBOX_LATENCY_MS', env.SANDBOX_LATENCY_MS, 0, 0, 120_000);
  const format = env.SANDBOX_PORTONE_WEBHOOK_FORMAT;
  if (format !== undefined && format !== 'json' && format !== 'form')
    throw new Error('SANDBOX_PORTONE_WEBHOOK_FORMAT must be json or form');

  const sandbox = createPgSandbox({ latencyMs, portoneWebhookFormat: format });
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true });
  await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox });
  const address = await app.listen({ port, host });
  process.stdout.write(
    `pg-sandbox listening on ${address}/sandbox (Toss ${address}/sandbox/toss, PortOne ${address}/sandbox/portone)\n`,
  );

  const stop = () => {
    void app.close().then(() => {
      sandbox.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function intFromEnv(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

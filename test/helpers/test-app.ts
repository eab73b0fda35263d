import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/bootstrap';
import { resetEnvCache } from '../../src/config/configuration';
import { sandboxAccountOf } from '../../src/gateway-credentials/gateway-credentials.service';
import { PG_SANDBOX } from '../../src/gateway-credentials/gateway-sandbox';
import type { PgSandbox } from '@app/pg-sandbox';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  http: () => ReturnType<typeof request>;
  logs: string[];
  /** The in-process PG sandbox (mounted at `${url}/sandbox`), undefined when PG_SANDBOX=false. */
  sandbox?: PgSandbox;
  close: () => Promise<void>;
}

/** The sandbox account a merchant without own PG credentials is given (for the sandbox's control API). */
export const sandboxAccountFor = sandboxAccountOf;

/**
 * A free loopback port. The app must know its own port before it boots: PortOne's notice_url, Toss's success and
 * fail URLs and the in-process sandbox's base URL are all built from it.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The real app over real HTTP on an ephemeral port. SQLite in memory by default; when DATABASE_URL is set (CI's
 * PostgreSQL run) each app gets a fresh schema with migrations applied, dropped on close.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString('hex')}` : undefined;
  if (schema) await withPg((c) => c.query(`CREATE SCHEMA ${schema}`));
  const port = env.PORT ? Number(env.PORT) : await freePort();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    SECRETS_KEY: randomBytes(32).toString('hex'),
    THROTTLE_LIMIT: '100000',
    ...(schema ? { DATABASE_SCHEMA: schema, DATABASE_MIGRATIONS_RUN: 'true' } : { DATABASE_PATH: ':memory:' }),
    ...env,
  });
  resetEnvCache();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await createApp({ logStream });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const sandbox = app.get<PgSandbox | undefined>(PG_SANDBOX);
  return {
    app,
    url,
    http: () => request(url),
    logs,
    sandbox,
    close: async () => {
      await app.close();
      if (schema) await withPg((c) => c.query(`DROP SCHEMA ${schema} CASCADE`));
    },
  };
}

async function withPg<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a merchant through the admin API and returns it with its one-time API key. */
export async function createMerchant(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<{ id: string; apiKey: string; [k: string]: unknown }> {
  const res = await t
    .http()
    .post('/v1/merchants')
    .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
    .send({ name: 'Acme', industry: 'saas', paypalAccountId: 'ACMEPAYPAL01', country: 'US', ...body });
  if (res.status !== 201) throw new Error(`merchant creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

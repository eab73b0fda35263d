import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/bootstrap';
import { resetEnvCache } from '../../src/config/configuration';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  http: () => ReturnType<typeof request>;
  logs: string[];
  close: () => Promise<void>;
}

/**
 * The real app over real HTTP on an ephemeral port. SQLite in memory by default; when DATABASE_URL is set (CI's
 * PostgreSQL run) each app gets a fresh schema with migrations applied, dropped on close.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString('hex')}` : undefined;
  if (schema) await withPg((c) => c.query(`CREATE SCHEMA ${schema}`));
  Object.assign(process.env, {
    NODE_ENV: 'test',
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
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    http: () => request(url),
    logs,
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
export async function createMerchant(t: TestApp, body: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string; [k: string]: unknown }> {
  const res = await t
    .http()
    .post('/v1/merchants')
    .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
    .send({ name: 'Acme', industry: 'saas', paypalAccountId: 'ACMEPAYPAL01', country: 'US', ...body });
  if (res.status !== 201) throw new Error(`merchant creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

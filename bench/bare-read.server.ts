/**
 * The limit for `GET /v1/subscriptions/{id}`: a bare Fastify server doing the same work with nothing else — the bearer
 * key's SHA-256 resolved to a merchant (cached in-process, as the app's guard does), then the same merchant-scoped
 * primary-key read of the subscription, answered as JSON. No Nest, no validation, no logging, no idempotency.
 *
 *   BARE_PORT=… DATABASE_URL=postgres://… | DATABASE_PATH=… ts-node bench/bare-read.server.ts
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { Pool } from 'pg';

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown> | undefined>;

function database(): Query {
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new Pool({ connectionString: url, max: 20 });
    return async (sql, params) =>
      (
        await pool.query(
          sql.replace(/\?/g, (_m, i: number) => `$${sql.slice(0, i).split('?').length}`),
          params,
        )
      ).rows[0];
  }
  const db = new Database(process.env.DATABASE_PATH!, { readonly: true });
  const cache = new Map<string, Database.Statement>();
  return async (sql, params) => {
    let st = cache.get(sql);
    if (!st) cache.set(sql, (st = db.prepare(sql)));
    return st.get(...params) as Record<string, unknown> | undefined;
  };
}

async function main(): Promise<void> {
  const query = database();
  const merchants = new Map<string, string>();
  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>('/v1/subscriptions/:id', async (req, reply) => {
    const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!key) return reply.code(401).send({ code: 'UNAUTHORIZED' });
    const hash = createHash('sha256').update(key, 'utf8').digest('hex');
    let merchantId = merchants.get(hash);
    if (!merchantId) {
      const m = await query('SELECT id FROM merchants WHERE api_key_hash = ?', [hash]);
      if (!m) return reply.code(401).send({ code: 'UNAUTHORIZED' });
      merchantId = String(m.id);
      merchants.set(hash, merchantId);
    }
    const row = await query('SELECT * FROM subscriptions WHERE merchant_id = ? AND id = ?', [
      merchantId,
      req.params.id,
    ]);
    if (!row) return reply.code(404).send({ code: 'NOT_FOUND' });
    return row;
  });
  const address = await app.listen({ port: Number(process.env.BARE_PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`bare listening on ${address}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

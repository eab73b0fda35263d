import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DIST, freePort, type Proc, startNode } from './proc';

export type Engine = 'sqlite' | 'postgres';
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
/**
 * The V8 flags `npm run start:prod` runs the app with (package.json is the one place they are written), so the app
 * is measured as it is deployed.
 */
export const PRODUCTION_NODE_ARGS: readonly string[] = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts['start:prod']
  .split(' ')
  .filter((a) => a.startsWith('--'));

/** The local PostgreSQL server every machine here runs (trust auth). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A running app process on a fresh database, talking to the sandbox process at `sandboxUrl`. */
export interface BenchApp extends Proc {
  readonly url: string;
  readonly engine: Engine;
  /** A connection string (postgres) or file path (sqlite) for seeding the database directly. */
  readonly database: string;
  /** Stops the app and drops its database. */
  dispose(): Promise<void>;
}

/** A fresh database: a new PostgreSQL database, or a SQLite file in a temporary folder. */
export async function freshDatabase(
  engine: Engine,
): Promise<{ env: Record<string, string>; database: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const path = join(dir, 'billing.sqlite');
    return {
      env: { DATABASE_PATH: path },
      database: path,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `bench_${Date.now()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    env: { DATABASE_URL: url, DATABASE_MIGRATIONS_RUN: 'true' },
    database: url,
    drop: () =>
      withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Starts `dist/src/main.js` (run `nest build` first: `npm run bench` does). */
export async function startApp(opts: {
  engine: Engine;
  sandboxUrl: string;
  env?: Record<string, string>;
  cpu?: number;
  database?: Awaited<ReturnType<typeof freshDatabase>>;
  /** Cleanup to run when the app fails to start (the caller's other processes). */
  onFail?: () => Promise<void>;
}): Promise<BenchApp> {
  const db = opts.database ?? (await freshDatabase(opts.engine));
  const port = await freePort();
  const proc = await startNode(
    `${DIST}/src/main.js`,
    {
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ADMIN_API_KEY: ADMIN_KEY,
      SECRETS_KEY: '11'.repeat(32),
      LOG_LEVEL: 'warn',
      // Never reached, with a 1 s window: @nestjs/throttler's in-memory storage keeps one timestamp per hit in the
      // window and filters them all on every request, so a long window under load would measure that list instead.
      THROTTLE_LIMIT: '100000000',
      THROTTLE_TTL_MS: '1000',
      TOSS_BASE_URL: `${opts.sandboxUrl}/toss`,
      PORTONE_BASE_URL: `${opts.sandboxUrl}/portone`,
      SCHEDULER_ENABLED: 'false',
      ...db.env,
      ...(opts.env ?? {}),
    },
    /API listening/,
    {
      cpu: opts.cpu,
      timeoutMs: 60_000,
      // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of the app (where the time goes) when it exits.
      // BENCH_NODE_ARGS="--trace-gc …" adds V8/Node flags to the app's command line.
      nodeArgs: [
        ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
        ...PRODUCTION_NODE_ARGS,
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ],
    },
  ).catch(async (err: unknown) => {
    await db.drop();
    await opts.onFail?.();
    throw err;
  });
  return Object.assign(proc, {
    url: `http://127.0.0.1:${port}`,
    engine: opts.engine,
    database: db.database,
    dispose: async () => {
      await proc.stop();
      await db.drop();
    },
  });
}

export async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** JSON over HTTP with a bearer key; throws with the body on an unexpected status. */
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  key: string | undefined,
  body?: unknown,
  expect: number[] = [200, 201],
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

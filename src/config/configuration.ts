import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { type ConfigType, registerAs } from '@nestjs/config';
import { type EnvironmentVariables, validateEnv } from './env.validation';

/**
 * The only place (with ormconfig.ts) that reads process.env. Validation runs once per process env object and is
 * cached, so the namespaces below all see the same validated snapshot.
 */
let cached: { source: NodeJS.ProcessEnv; env: EnvironmentVariables } | undefined;
export function readEnv(): EnvironmentVariables {
  if (!cached || cached.source !== process.env) cached = { source: process.env, env: validateEnv(process.env) };
  return cached.env;
}
/** Tests change process.env between apps in one worker; this drops the cached snapshot. */
export function resetEnvCache(): void {
  cached = undefined;
}

const DEFAULT_SQLITE_PATH = 'data/billing.sqlite';

export type DatabaseKind = 'postgres' | 'sqlite';
/** Decided before entities load (their column types depend on it), so it reads the raw variable. */
export function databaseKind(): DatabaseKind {
  return process.env.DATABASE_URL ? 'postgres' : 'sqlite';
}

export const appConfig = registerAs('app', () => {
  const env = readEnv();
  const nodeEnv = env.NODE_ENV ?? 'development';
  const port = env.PORT ?? 3000;
  return {
    nodeEnv,
    production: nodeEnv === 'production',
    port,
    host: env.HOST ?? '127.0.0.1',
    /** Where PGs and browsers reach us (notice_url, successUrl, failUrl). Defaults to the local listener. */
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    metricsToken: env.METRICS_TOKEN,
    throttle: {
      limit: env.THROTTLE_LIMIT ?? 600,
      // A merchant gets the same budget whether it calls from one address or from many.
      keyLimit: env.THROTTLE_KEY_LIMIT ?? env.THROTTLE_LIMIT ?? 600,
      ttlMs: env.THROTTLE_TTL_MS ?? 60_000,
    },
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS ?? 24 * 3600,
    /** SIGTERM: the whole shutdown (in-flight PG calls and their writes, lease releases, HTTP requests) within this. */
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS ?? 25_000,
  };
});

export const securityConfig = registerAs('security', () => {
  const env = readEnv();
  const production = env.NODE_ENV === 'production';
  // Outside production a missing admin key is generated per start and printed once (main.ts).
  const adminApiKey = env.ADMIN_API_KEY ?? `adm_${randomBytes(24).toString('base64url')}`;
  return {
    adminApiKey,
    adminApiKeyGenerated: !env.ADMIN_API_KEY,
    ...secretsKeys(env, production),
  };
});

export const databaseConfig = registerAs('database', () => {
  const env = readEnv();
  const kind: DatabaseKind = env.DATABASE_URL ? 'postgres' : 'sqlite';
  return {
    kind,
    url: env.DATABASE_URL,
    path: env.DATABASE_PATH ?? DEFAULT_SQLITE_PATH,
    schema: env.DATABASE_SCHEMA,
    // Embedded mode applies migrations at start; on PostgreSQL they are a deploy step (npm run migration:run).
    migrationsRun: env.DATABASE_MIGRATIONS_RUN ?? kind === 'sqlite',
    logging: env.DATABASE_LOGGING ?? false,
    poolSize: env.DATABASE_POOL_SIZE ?? 20,
  };
});

export const pgConfig = registerAs('pg', () => {
  const env = readEnv();
  const production = env.NODE_ENV === 'production';
  const sandbox = env.PG_SANDBOX ?? !production;
  return {
    sandbox,
    tossBaseUrl: env.TOSS_BASE_URL?.replace(/\/$/, ''),
    portoneBaseUrl: env.PORTONE_BASE_URL?.replace(/\/$/, ''),
    timeoutMs: env.PG_TIMEOUT_MS ?? 10_000,
    connectTimeoutMs: env.PG_CONNECT_TIMEOUT_MS ?? 3_000,
    portoneWebhookRefetchLimit: env.PORTONE_WEBHOOK_REFETCH_LIMIT ?? 120,
    portoneWebhookWindowMs: env.PORTONE_WEBHOOK_WINDOW_MS ?? 60_000,
    tossWebhookRefetchLimit: env.TOSS_WEBHOOK_REFETCH_LIMIT ?? 120,
    tossWebhookWindowMs: env.TOSS_WEBHOOK_WINDOW_MS ?? 60_000,
    tossWebhookEventRetentionMs: env.TOSS_WEBHOOK_EVENT_RETENTION_MS ?? 7 * 24 * 3600_000,
    webhookCleanupBatch: env.WEBHOOK_CLEANUP_BATCH ?? 1000,
    webhookPointerCap: env.WEBHOOK_POINTER_CAP ?? 1000,
    // Gateways served by the core billing-key webhook pipeline (no receiver of their own).
    webhookRefetchLimit: env.WEBHOOK_REFETCH_LIMIT ?? 120,
    webhookWindowMs: env.WEBHOOK_WINDOW_MS ?? 60_000,
  };
});

export const billingConfig = registerAs('billing', () => {
  const env = readEnv();
  const list = (v: string) => v.split(',').map(Number);
  return {
    /** The scheduler tick runs in this instance. Off by default under NODE_ENV=test (tests drive billing runs). */
    schedulerEnabled: env.SCHEDULER_ENABLED ?? env.NODE_ENV !== 'test',
    schedulerCron: env.SCHEDULER_CRON ?? '*/30 * * * * *',
    retryDays: list(env.BILLING_RETRY_DAYS ?? '1,3,5,7'),
    concurrency: env.BILLING_CONCURRENCY ?? 8,
    batchSize: env.BILLING_BATCH_SIZE ?? 100,
    leaseMs: env.BILLING_LEASE_MS ?? 300_000,
    pendingKeyGraceMs: env.BILLING_KEY_PENDING_GRACE_MS ?? 15 * 60_000,
    reconcileBackoffMs: list(env.BILLING_RECONCILE_BACKOFF_MS ?? '60000,300000,1800000,7200000,21600000,86400000'),
  };
});

/** The worker that delivers events to merchants' webhook endpoints (src/webhook-endpoints). */
export const eventDeliveryConfig = registerAs('eventDelivery', () => {
  const env = readEnv();
  return {
    /** Not tied to SCHEDULER_ENABLED: every instance sends. Off by default under NODE_ENV=test (tests opt in). */
    enabled: env.EVENT_DELIVERY_ENABLED ?? env.NODE_ENV !== 'test',
    pollMs: env.EVENT_DELIVERY_POLL_MS ?? 500,
    concurrency: env.EVENT_DELIVERY_CONCURRENCY ?? 16,
    batchSize: env.EVENT_DELIVERY_BATCH_SIZE ?? 100,
    timeoutMs: env.EVENT_DELIVERY_TIMEOUT_MS ?? 10_000,
    leaseMs: env.EVENT_DELIVERY_LEASE_MS ?? 60_000,
    retryDelaysMs: (env.EVENT_DELIVERY_RETRY_DELAYS_MS ?? '1000,5000,30000').split(',').map(Number),
    maxDelayMs: env.EVENT_DELIVERY_MAX_DELAY_MS ?? 3_600_000,
    windowMs: env.EVENT_DELIVERY_WINDOW_MS ?? 72 * 3_600_000,
  };
});

/** Deadlines and caps at the edge of the process (src/http-edge); read before Nest starts, to build the server. */
export const httpEdgeConfig = registerAs('httpEdge', () => {
  const env = readEnv();
  return {
    /** Fastify's trustProxy: the proxies whose X-Forwarded-For is believed, or false (the default). */
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS ?? 10_000,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS ?? 30_000,
    // Socket inactivity, also while a handler works: above the longest PG call PG_TIMEOUT_MS allows.
    idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS ?? 130_000,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 5_000,
    minBodyRateBps: env.HTTP_MIN_BODY_RATE_BPS ?? 1_024,
    bodyRateGraceMs: env.HTTP_BODY_RATE_GRACE_MS ?? 5_000,
    maxConnectionsPerAddress: env.HTTP_MAX_CONNECTIONS_PER_ADDRESS ?? 256,
  };
});

export type AppConfig = ConfigType<typeof appConfig>;
export type HttpEdgeConfig = ConfigType<typeof httpEdgeConfig>;
export type SecurityConfig = ConfigType<typeof securityConfig>;
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
export type PgConfig = ConfigType<typeof pgConfig>;
export type BillingConfig = ConfigType<typeof billingConfig>;
export type EventDeliveryConfig = ConfigType<typeof eventDeliveryConfig>;
export const allConfig = [
  appConfig,
  securityConfig,
  databaseConfig,
  pgConfig,
  billingConfig,
  eventDeliveryConfig,
  httpEdgeConfig,
];

/**
 * The sealing keys: SECRETS_KEYS (current first, then older ones still read), or SECRETS_KEY as a one-key list, or
 * outside production the development key file. `secretsKey` is the current one.
 */
function secretsKeys(env: EnvironmentVariables, production: boolean): { secretsKey: Buffer; secretsKeys: Buffer[] } {
  const keys = env.SECRETS_KEYS
    ? env.SECRETS_KEYS.split(',').map((k) => decodeKey(k, 'SECRETS_KEYS'))
    : [env.SECRETS_KEY ? decodeKey(env.SECRETS_KEY) : devSecretsKey(production, devKeyPath(env))];
  return { secretsKey: keys[0], secretsKeys: keys };
}

function decodeKey(value: string, name = 'SECRETS_KEY'): Buffer {
  const key = /^[A-Fa-f0-9]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`Invalid configuration: ${name} (must decode to 32 bytes)`);
  return key;
}

/**
 * Where a development SECRETS_KEY is kept: beside the embedded database, or, on PostgreSQL, in the default data
 * folder. A key minted per start would make every stored credential unreadable after a restart. Only a throwaway
 * in-memory SQLite database gets a throwaway key.
 */
function devKeyPath(env: EnvironmentVariables): string | undefined {
  if (env.DATABASE_URL) return DEFAULT_SQLITE_PATH;
  const path = env.DATABASE_PATH ?? DEFAULT_SQLITE_PATH;
  return path === ':memory:' ? undefined : path;
}

function devSecretsKey(production: boolean, nextTo?: string): Buffer {
  if (production) throw new Error('Invalid configuration: SECRETS_KEY required when NODE_ENV=production');
  if (!nextTo) return randomBytes(32);
  const file = resolve(dirname(nextTo), '.secrets-key');
  if (existsSync(file)) return decodeKey(readFileSync(file, 'utf8').trim());
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 'wx': two instances starting together must end up with the same key, so the first writer wins.
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return decodeKey(readFileSync(file, 'utf8').trim());
}

const TRUST_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** Each entry an IP, a CIDR or a proxy-addr keyword; anything else stops the boot (trusting a typo is a hole). */
function parseTrustProxy(value: string | undefined): string[] | false {
  if (!value) return false;
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (TRUST_KEYWORDS.has(entry)) continue;
    const [ip, bits, extra] = entry.split('/');
    const family = isIP(ip);
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !okBits || extra !== undefined)
      throw new Error(`Invalid configuration: TRUST_PROXY ("${entry}" is not an IP address, CIDR or keyword)`);
  }
  return entries.length ? entries : false;
}

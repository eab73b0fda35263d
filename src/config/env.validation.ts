// Kept whole (issue 25): one flat class listing every environment variable, mirrored by .env.example.
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
/** One IPv4/IPv6 address or CIDR, or a proxy-addr keyword; a comma-separated list of them. */
const TRUST_ENTRY = String.raw`(?:loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(?:\/\d{1,3})?)`;
const TRUST_PROXY_PATTERN = new RegExp(`^\\s*${TRUST_ENTRY}(\\s*,\\s*${TRUST_ENTRY})*\\s*$`);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable the service reads, validated at boot. `.env.example` lists the same set.
 * Optional ones have their defaults applied in `configuration.ts`, where they are turned into typed namespaces.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'test', 'production'])
  @IsOptional()
  NODE_ENV?: 'development' | 'test' | 'production';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  @IsOptional()
  PORT?: number;

  @Transform(emptyToUndefined)
  @IsString()
  @IsOptional()
  HOST?: string;

  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  @IsOptional()
  PUBLIC_BASE_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  @IsOptional()
  LOG_LEVEL?: string;

  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(24)
  @IsOptional()
  ADMIN_API_KEY?: string;

  /** 32 bytes, base64 or hex: the AES-256-GCM key for PG credentials at rest. */
  @Transform(emptyToUndefined)
  @Matches(/^([A-Fa-f0-9]{64}|[A-Za-z0-9+/_-]{43}=?)$/, {
    message: 'SECRETS_KEY must be 32 bytes as 64 hex characters or base64',
  })
  @IsOptional()
  SECRETS_KEY?: string;

  /** Key rotation: the current key first, then older keys still read (each 32 bytes, hex or base64), comma-separated. */
  @Transform(emptyToUndefined)
  @Matches(/^([A-Fa-f0-9]{64}|[A-Za-z0-9+/_-]{43}=?)(,([A-Fa-f0-9]{64}|[A-Za-z0-9+/_-]{43}=?)){0,9}$/, {
    message: 'SECRETS_KEYS must be comma-separated 32-byte keys (64 hex characters or base64), current key first',
  })
  @IsOptional()
  SECRETS_KEYS?: string;

  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  @IsOptional()
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsString()
  @IsOptional()
  DATABASE_PATH?: string;

  @Transform(emptyToUndefined)
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DATABASE_SCHEMA must be a lower-case SQL identifier' })
  @IsOptional()
  DATABASE_SCHEMA?: string;

  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  DATABASE_MIGRATIONS_RUN?: boolean;

  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  DATABASE_LOGGING?: boolean;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  @IsOptional()
  DATABASE_POOL_SIZE?: number;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @IsOptional()
  THROTTLE_LIMIT?: number;

  /** Requests per THROTTLE_TTL_MS per merchant API key, across all addresses (default THROTTLE_LIMIT). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @IsOptional()
  THROTTLE_KEY_LIMIT?: number;

  /**
   * Proxies whose X-Forwarded-For is believed: comma-separated IPs, CIDRs, or loopback/linklocal/uniquelocal.
   * Unset: none (the socket's address is the client's).
   */
  @Transform(emptyToUndefined)
  @Matches(TRUST_PROXY_PATTERN, {
    message: 'TRUST_PROXY must be comma-separated IP addresses, CIDRs or loopback/linklocal/uniquelocal',
  })
  @IsOptional()
  TRUST_PROXY?: string;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  @IsOptional()
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  @IsOptional()
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  @IsOptional()
  HTTP_IDLE_TIMEOUT_MS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  @IsOptional()
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  @IsOptional()
  HTTP_MIN_BODY_RATE_BPS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  @IsOptional()
  HTTP_BODY_RATE_GRACE_MS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  @IsOptional()
  HTTP_MAX_CONNECTIONS_PER_ADDRESS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @IsOptional()
  THROTTLE_TTL_MS?: number;

  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16)
  @IsOptional()
  METRICS_TOKEN?: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @IsOptional()
  IDEMPOTENCY_TTL_SECONDS?: number;

  /** Mount the PG sandbox under /sandbox and use it for merchants without PG credentials. Refused in production. */
  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  PG_SANDBOX?: boolean;

  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  @IsOptional()
  TOSS_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  @IsOptional()
  PORTONE_BASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120000)
  @IsOptional()
  PG_TIMEOUT_MS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60000)
  @IsOptional()
  PG_CONNECT_TIMEOUT_MS?: number;

  /** PortOne webhooks: re-fetches (PortOne API calls) allowed per merchant per window; floods beyond it are dropped. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  @IsOptional()
  PORTONE_WEBHOOK_REFETCH_LIMIT?: number;

  /** PortOne webhooks: the window of the re-fetch budget and of imp_uid+status deduplication. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  @IsOptional()
  PORTONE_WEBHOOK_WINDOW_MS?: number;

  /** Toss webhooks: re-fetches (Toss API calls) allowed per merchant per window; beyond it pointers are stored (503). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  @IsOptional()
  TOSS_WEBHOOK_REFETCH_LIMIT?: number;

  /** Toss webhooks: the window of the re-fetch budget. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  @IsOptional()
  TOSS_WEBHOOK_WINDOW_MS?: number;

  /** How long applied Toss webhook deliveries are remembered for deduplication before the cleanup removes them. */
  @Transform(toInt)
  @IsInt()
  @Min(60000)
  @Max(31_536_000_000)
  @IsOptional()
  TOSS_WEBHOOK_EVENT_RETENTION_MS?: number;

  /** Rows removed per cleanup pass (expired Toss webhook deliveries). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  @IsOptional()
  WEBHOOK_CLEANUP_BATCH?: number;

  /** Webhooks of gateways without their own receiver (core billing-key pipeline): re-fetches per merchant per window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  @IsOptional()
  WEBHOOK_REFETCH_LIMIT?: number;

  /** Webhooks of gateways without their own receiver: the window of the re-fetch budget and of deduplication. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  @IsOptional()
  WEBHOOK_WINDOW_MS?: number;

  /** Webhook pointers stored for the reconciler per merchant and gateway at most (beyond: 503, nothing stored). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  @IsOptional()
  WEBHOOK_POINTER_CAP?: number;

  /** Run the recurring-charge scheduler in this instance (default true outside NODE_ENV=test). */
  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  SCHEDULER_ENABLED?: boolean;

  /** Cron expression (6 fields, with seconds) of the scheduler tick. */
  @Transform(emptyToUndefined)
  @Matches(/^\S+( \S+){4,5}$/, { message: 'SCHEDULER_CRON must be a 5- or 6-field cron expression' })
  @IsOptional()
  SCHEDULER_CRON?: string;

  /** Days after a cycle's due date on which a soft-declined charge is retried, e.g. "1,3,5,7". */
  @Transform(emptyToUndefined)
  @Matches(/^\d{1,3}(,\d{1,3}){0,19}$/, { message: 'BILLING_RETRY_DAYS must be comma-separated day counts' })
  @IsOptional()
  BILLING_RETRY_DAYS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  @IsOptional()
  BILLING_CONCURRENCY?: number;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  @IsOptional()
  BILLING_BATCH_SIZE?: number;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  @IsOptional()
  BILLING_LEASE_MS?: number;

  /** A billing key still pending this long after issuance is looked up by the reconciler (its webhook never came). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(604_800_000)
  @IsOptional()
  BILLING_KEY_PENDING_GRACE_MS?: number;

  /** SIGTERM: how long in-flight PG calls, billing batches and HTTP requests get to finish before the process exits. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  @IsOptional()
  SHUTDOWN_DRAIN_MS?: number;

  /** Delays (ms) between reconciler look-ups of a pending/unknown charge or cancel; after the last: review. */
  @Transform(emptyToUndefined)
  @Matches(/^\d{1,10}(,\d{1,10}){0,29}$/, {
    message: 'BILLING_RECONCILE_BACKOFF_MS must be comma-separated milliseconds',
  })
  @IsOptional()
  BILLING_RECONCILE_BACKOFF_MS?: string;

  /** Run the event delivery worker (webhooks to merchants) in this instance (default true outside NODE_ENV=test). */
  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  EVENT_DELIVERY_ENABLED?: boolean;

  /** How often the delivery worker looks for new events and due deliveries; at most a second. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(1000)
  @IsOptional()
  EVENT_DELIVERY_POLL_MS?: number;

  /** Deliveries in flight at once per instance. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  @IsOptional()
  EVENT_DELIVERY_CONCURRENCY?: number;

  /** Deliveries claimed (and events fanned out) per batch. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  @IsOptional()
  EVENT_DELIVERY_BATCH_SIZE?: number;

  /** Deadline of one POST to a merchant's endpoint (connect to last byte of the answer). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  @IsOptional()
  EVENT_DELIVERY_TIMEOUT_MS?: number;

  /** How long a claim holds a delivery; another instance takes it over after this. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  @IsOptional()
  EVENT_DELIVERY_LEASE_MS?: number;

  /** First retry delays (ms) after a failed delivery; then doubling up to EVENT_DELIVERY_MAX_DELAY_MS. */
  @Transform(emptyToUndefined)
  @Matches(/^\d{1,10}(,\d{1,10}){0,29}$/, {
    message: 'EVENT_DELIVERY_RETRY_DELAYS_MS must be comma-separated milliseconds',
  })
  @IsOptional()
  EVENT_DELIVERY_RETRY_DELAYS_MS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  @IsOptional()
  EVENT_DELIVERY_MAX_DELAY_MS?: number;

  /** How long after an event its deliveries are retried before they are marked failed. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(2_592_000_000)
  @IsOptional()
  EVENT_DELIVERY_WINDOW_MS?: number;
}

/** One line naming the variable(s), so a bad deploy fails with something a human can act on. */
export class ConfigValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigValidationError';
  }
}

export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const parts = errors.map((e) => {
      const why = Object.values(e.constraints ?? {})[0] ?? 'invalid';
      return `${e.property} (${why})`;
    });
    throw new ConfigValidationError(`Invalid configuration: ${parts.join('; ')}`);
  }
  const headers = env.HTTP_HEADERS_TIMEOUT_MS;
  const whole = env.HTTP_REQUEST_TIMEOUT_MS;
  if (headers !== undefined && whole !== undefined && headers > whole) {
    throw new ConfigValidationError(
      'Invalid configuration: HTTP_HEADERS_TIMEOUT_MS (must not exceed HTTP_REQUEST_TIMEOUT_MS)',
    );
  }
  if (env.SECRETS_KEY && env.SECRETS_KEYS) {
    throw new ConfigValidationError(
      'Invalid configuration: SECRETS_KEY and SECRETS_KEYS are both set (use SECRETS_KEYS alone, current key first)',
    );
  }
  if (env.NODE_ENV === 'production') {
    const missing = ['DATABASE_URL', 'ADMIN_API_KEY', 'SECRETS_KEY', 'PUBLIC_BASE_URL'].filter(
      (k) => (!raw[k] || raw[k] === '') && !(k === 'SECRETS_KEY' && raw.SECRETS_KEYS),
    );
    if (missing.length)
      throw new ConfigValidationError(`Invalid configuration: ${missing.join(', ')} required when NODE_ENV=production`);
    if (env.PG_SANDBOX)
      throw new ConfigValidationError(
        'Invalid configuration: PG_SANDBOX (the PG sandbox is refused when NODE_ENV=production)',
      );
    const missingPg = ['TOSS_BASE_URL', 'PORTONE_BASE_URL'].filter((k) => !raw[k]);
    if (missingPg.length)
      throw new ConfigValidationError(
        `Invalid configuration: ${missingPg.join(', ')} required when NODE_ENV=production`,
      );
  }
  return env;
}

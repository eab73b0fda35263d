import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sandboxPortoneKeys, sandboxTossKeys } from './sandbox.credentials';
import type { PgRouteRunner } from './sandbox.http';
import { registerPortoneRoutes } from './sandbox.portone.routes';
import type { PgSandbox } from './sandbox';
import { registerTossRoutes } from './sandbox.toss.routes';

/** What a plugin's `register` gets: the shared sandbox (clock, scheduler, faults, webhooks, idempotency) and a route runner. */
export interface SandboxPluginContext {
  /** The one sandbox instance: `clock`, `scheduler`, `webhooks` (outbox), `faults`, `idempotency`, `work`. */
  readonly sandbox: PgSandbox;
  /** Runs a PG API route with the sandbox's latency, faults and idempotency (`runner.run(spec, req, reply)`). */
  readonly runner: PgRouteRunner;
}

/**
 * A PG's test double, brought by its registration entry. The app mounts every registered gateway's plugin in sandbox
 * mode at `/sandbox/<prefix>` (its own encapsulated Fastify context: routes are relative to it), so a new PG brings its
 * own sandbox with no edit to core code or to this library. Plugins keep their state in their own closure (create it
 * in a factory), use `ctx.sandbox.clock` for time and `ctx.sandbox.webhooks` to send webhooks.
 */
export interface SandboxPlugin {
  /** For logs and error messages (`Toss automatic billing`). */
  readonly name: string;
  /**
   * Path segment under `/sandbox` (`portone` → `/sandbox/portone`): lower-case letters, digits, dashes. Another product
   * of a PG already simulated may share its prefix (its routes must differ): Toss automatic billing under `toss`.
   */
  readonly prefix: string;
  /** Registers the plugin's routes (the PG's API at its real paths, buyer endpoints, ledger) on its own context. */
  register(app: FastifyInstance, ctx: SandboxPluginContext): Promise<void>;
  /** Credentials a merchant without its own gets in sandbox mode (deterministic per merchant; see {@link sandboxAccountOf}). */
  sandboxCredentials(merchantId: string): unknown;
  /** The merchant's own credentials as the adapter takes them in sandbox mode (e.g. marked as test keys). Default: unchanged. */
  ownCredentials?(credentials: unknown): unknown;
  /** Registers the app's webhook URL for the credentials' account (see SandboxPluginRegistration.registerWebhookUrl). */
  registerWebhookUrl?(sandbox: PgSandbox, credentials: unknown, url: string): void;
  /**
   * Operations `POST /sandbox/control/faults { gateway: <prefix>, operation }` may target; routes run through
   * `ctx.runner` with `gateway: <prefix>` then take latency, http_error, timeout_after_commit, reset_before and decline.
   */
  readonly faultOperations?: readonly string[];
}

/** What a plugin prefix may look like. */
export const SANDBOX_PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Sandbox account names are [A-Za-z0-9-]{1,40}; a digest of the merchant id is stable and never collides in practice. */
export function sandboxAccountOf(merchantId: string): string {
  return `m${createHash('sha256').update(merchantId).digest('hex').slice(0, 24)}`;
}

/** Toss Payments v1 (foreign easy pay): `/sandbox/toss`. */
export const tossSandboxPlugin: SandboxPlugin = {
  name: 'Toss Payments',
  prefix: 'toss',
  register: async (app, ctx) => registerTossRoutes(app, ctx.sandbox, ctx.runner),
  sandboxCredentials: (merchantId) => {
    const { clientKey, secretKey } = sandboxTossKeys(sandboxAccountOf(merchantId));
    return { clientKey, secretKey, sandbox: true };
  },
  // Only Toss test keys (`test_…`) reach a test MID; live keys are never marked as sandbox ones.
  ownCredentials: (c) => ({
    ...(c as object),
    sandbox: String((c as { secretKey?: unknown }).secretKey ?? '').startsWith('test_'),
  }),
  // Toss posts webhooks to the URL registered in its console per MID: sandbox keys name their account.
  registerWebhookUrl: (sandbox, c, url) => {
    const creds = c as { secretKey?: unknown; sandbox?: unknown };
    if (creds.sandbox !== true) return;
    const account = /^test_sk_sbx_([A-Za-z0-9-]{1,40})$/.exec(String(creds.secretKey ?? ''))?.[1];
    if (account && sandbox.toss.webhookUrl(account) !== url) sandbox.toss.setWebhookUrl(account, url);
  },
};

/** PortOne V1 (PayPal RT billing keys): `/sandbox/portone`. */
export const portoneSandboxPlugin: SandboxPlugin = {
  name: 'PortOne V1',
  prefix: 'portone',
  register: async (app, ctx) => registerPortoneRoutes(app, ctx.sandbox, ctx.runner),
  sandboxCredentials: (merchantId) => ({ ...sandboxPortoneKeys(sandboxAccountOf(merchantId)), sandbox: true }),
  // In sandbox mode the merchant's keys are test-channel keys: lookups send include_sandbox=true.
  ownCredentials: (c) => ({ ...(c as object), sandbox: true }),
};

/** The plugins of the two PGs this library simulates, mounted when `pgSandboxPlugin` is given no list. */
export const BUILT_IN_SANDBOX_PLUGINS: readonly SandboxPlugin[] = [tossSandboxPlugin, portoneSandboxPlugin];

/** Prefixes the sandbox itself serves. */
const RESERVED_PREFIXES = new Set(['control', 'clock']);

/**
 * Problems of a plugin list: a bad or reserved prefix (`control`, `clock`), a plugin listed twice. Several plugins may
 * share a prefix (two products of one PG on one host, e.g. Toss foreign easy pay and Toss automatic billing under
 * `/sandbox/toss`): their routes must differ, which Fastify checks when they are mounted.
 */
export function sandboxPluginProblems(plugins: readonly SandboxPlugin[]): string[] {
  const problems: string[] = [];
  const seen = new Set<SandboxPlugin>();
  for (const p of plugins) {
    if (typeof p?.register !== 'function') problems.push(`${p?.name ?? '?'}: register must be a function`);
    if (!SANDBOX_PREFIX_PATTERN.test(p?.prefix ?? ''))
      problems.push(`${p?.name ?? '?'}: prefix ${JSON.stringify(p?.prefix)} must match ${SANDBOX_PREFIX_PATTERN}`);
    else if (RESERVED_PREFIXES.has(p.prefix))
      problems.push(`${p.name}: prefix ${JSON.stringify(p.prefix)} is the sandbox's own`);
    if (seen.has(p)) problems.push(`${p?.name ?? '?'}: listed twice`);
    seen.add(p);
  }
  return problems;
}

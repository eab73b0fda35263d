import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultGateway, FaultRegistry, FaultSpec, TakenFaults } from './sandbox.faults';
import type { SandboxClock } from './sandbox.clock';
import type { WebhookDispatcher, WebhookJob } from './sandbox.webhooks';

/** What a PG handler answers, plus the webhooks its work causes. */
export interface PgAnswer {
  status: number;
  body: unknown;
  webhooks?: WebhookJob[];
  /** Overrides the request's webhook fault (Toss cancels carry theirs to the settlement). */
  webhookFault?: Extract<FaultSpec, { type: 'webhook' }>;
}

/** What a handler knows about its request. */
export interface PgContext {
  account: string;
  /** The credential the request authenticated with (Toss secret key, PortOne token); scopes idempotency keys. */
  credential: string;
  faults: TakenFaults;
  req: FastifyRequest;
}

/** Who is calling, or the PG's answer when the caller cannot be authenticated. */
export type Authentication = { account: string; credential: string } | { reject: PgAnswer };

/** One PG route: how to authenticate, what a fault may match, whether Idempotency-Key applies, and the work. */
export interface PgRouteSpec {
  /** The fault namespace: `toss`, `portone`, or a sandbox plugin's prefix. */
  gateway: FaultGateway;
  operation: string;
  authenticate(req: FastifyRequest): Authentication;
  /** Toss honours `Idempotency-Key` on POSTs. */
  idempotent?: boolean;
  handle(ctx: PgContext): PgAnswer;
}

/** The error body shape of each PG. */
export function pgError(gateway: FaultGateway, status: number, code: string | number, message: string): PgAnswer {
  if (gateway !== 'portone') return { status, body: { code: String(code), message } };
  // ResponseAnnotation.code is an integer, and 0 means success (OpenAPI): an error never carries anything else.
  return {
    status,
    body: {
      code: typeof code === 'number' && Number.isSafeInteger(code) && code !== 0 ? code : -1,
      message,
      response: null,
    },
  };
}

/** Toss remembers an idempotency key for 15 days from its first use. */
export const TOSS_IDEMPOTENCY_TTL_MS = 15 * 24 * 3600_000;
/** Longest Idempotency-Key Toss accepts. */
export const TOSS_IDEMPOTENCY_KEY_MAX = 300;

type IdempotencyEntry =
  { state: 'running'; expiresAt: number } | { state: 'done'; expiresAt: number; status: number; body: unknown };

/**
 * Toss idempotency: keyed by (secret key, method, URL, Idempotency-Key), never the body. Insertion order is claim
 * order and sandbox time only moves forward, so expired keys are purged from the front in amortised O(1).
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, IdempotencyEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): IdempotencyEntry | undefined {
    this.purge(now);
    const e = this.entries.get(key);
    if (e && e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  claim(key: string, now: number): void {
    this.entries.set(key, { state: 'running', expiresAt: now + TOSS_IDEMPOTENCY_TTL_MS });
  }

  complete(key: string, status: number, body: unknown): void {
    const e = this.entries.get(key);
    if (e) this.entries.set(key, { state: 'done', expiresAt: e.expiresAt, status, body });
  }

  release(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private purge(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.state !== 'done' || e.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}

/** Dependencies of the runner. */
export interface PgRunnerDeps {
  clock: SandboxClock;
  faults: FaultRegistry;
  idempotency: IdempotencyStore;
  webhooks: WebhookDispatcher;
  latencyMs: number;
  holdCapMs: number;
  onRequest: () => void;
  /** Wall time one PG call spent in the sandbox, injected latency included. */
  onServed: (ms: number) => void;
}

/** Request fields a fault's `match` is compared with: path params, query, body (and a buyer's nested request). */
export function matchFields(req: FastifyRequest, account: string): Record<string, unknown> {
  const body = (
    typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? req.body : {}
  ) as Record<string, unknown>;
  const nested = ['request', 'paymentRequest']
    .map((k) => body[k])
    .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
  return Object.assign({}, ...nested, req.query as object, body, req.params as object, { account });
}

const ARRIVED = Symbol('pg-sandbox.arrivedAt');
type Marked = FastifyRequest & { [ARRIVED]?: number };

/** Records when a request reached the sandbox (its plugin's first hook). */
export function markArrival(req: FastifyRequest): void {
  (req as Marked)[ARRIVED] = performance.now();
}

/** When the request reached the sandbox (now, for a request that was never marked). */
function arrivedAt(req: FastifyRequest): number {
  return (req as Marked)[ARRIVED] ?? performance.now();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Waits until `deadline` (performance.now() time), never less: a timer is scheduled from the event loop's cached
 * clock, which lags while a turn runs, so a single setTimeout can fire up to that lag early (answers 0.1–0.6 ms under
 * the latency on average, under load).
 */
async function sleepUntil(deadline: number): Promise<void> {
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now())
    await sleep(Math.ceil(left));
}

/**
 * Runs a PG route through the transport layer every PG call shares:
 * global latency → authentication → Idempotency-Key (Toss) → fault lookup → reset_before → latency → http_error →
 * the work → webhooks (early ones before the answer) → the answer, or a held socket for timeout_after_commit.
 */
export class PgRouteRunner {
  /** Sockets held open by timeout_after_commit, destroyed when the server closes. */
  readonly held = new Set<Socket>();

  constructor(private readonly deps: PgRunnerDeps) {}

  async run(spec: PgRouteSpec, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      await this.serve(spec, req, reply);
    } finally {
      // From the request's arrival (any wait for this process's turn included).
      this.deps.onServed(performance.now() - arrivedAt(req));
    }
  }

  private async serve(spec: PgRouteSpec, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const d = this.deps;
    d.onRequest();
    // The global latency is the PG's response time, counted from the request's arrival: time this process took to get
    // to it (a burst of requests parsed one after another) is part of it, not added on top.
    if (d.latencyMs > 0) await sleepUntil(arrivedAt(req) + d.latencyMs);

    const auth = spec.authenticate(req);
    if ('reject' in auth) return this.send(reply, auth.reject);

    let idemKey: string | undefined;
    const header = req.headers['idempotency-key'];
    if (spec.idempotent && req.method === 'POST' && typeof header === 'string') {
      if (header.length === 0 || header.length > TOSS_IDEMPOTENCY_KEY_MAX) {
        return this.send(
          reply,
          pgError(
            'toss',
            400,
            'INVALID_IDEMPOTENCY_KEY',
            `멱등키는 1자 이상 ${TOSS_IDEMPOTENCY_KEY_MAX}자 이하여야 합니다.`,
          ),
        );
      }
      const key = `${auth.credential}\n${req.method}\n${req.url}\n${header}`;
      const now = d.clock.now();
      const seen = d.idempotency.get(key, now);
      if (seen?.state === 'done') return this.send(reply, { status: seen.status, body: seen.body });
      if (seen?.state === 'running') {
        return this.send(
          reply,
          pgError(
            'toss',
            409,
            'IDEMPOTENT_REQUEST_PROCESSING',
            '이전 멱등 요청이 처리 중입니다. 잠시 후 다시 시도해주세요.',
          ),
        );
      }
      d.idempotency.claim(key, now);
      idemKey = key;
    }

    try {
      const faults = d.faults.take(spec.gateway, spec.operation, matchFields(req, auth.account));
      if (faults.reset_before) {
        if (idemKey) d.idempotency.release(idemKey);
        idemKey = undefined;
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      if (faults.latency) await sleep(faults.latency.ms);
      if (faults.http_error) {
        // An injected error stands for a failure in front of the PG's logic: nothing was done, nothing is remembered.
        if (idemKey) d.idempotency.release(idemKey);
        idemKey = undefined;
        const f = faults.http_error;
        const code =
          f.code ??
          (spec.gateway !== 'portone'
            ? f.status >= 500
              ? 'FAILED_INTERNAL_SYSTEM_PROCESSING'
              : 'INVALID_REQUEST'
            : -1);
        return this.send(reply, pgError(spec.gateway, f.status, code, f.message ?? 'sandbox: injected http_error'));
      }

      const answer = spec.handle({ account: auth.account, credential: auth.credential, faults, req });
      if (idemKey) d.idempotency.complete(idemKey, answer.status, answer.body);
      idemKey = undefined;

      const webhookFault = answer.webhookFault ?? faults.webhook;
      if (answer.webhooks?.length) await d.webhooks.dispatch(answer.webhooks, webhookFault);
      if (faults.timeout_after_commit) return this.hold(req, reply);
      return this.send(reply, answer);
    } catch (err) {
      if (idemKey) d.idempotency.release(idemKey);
      throw err;
    }
  }

  /** Destroys every held socket (server shutdown). */
  releaseHeld(): void {
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  private send(reply: FastifyReply, answer: PgAnswer): void {
    void reply
      .code(answer.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(answer.body));
  }

  /** The work is done; the answer never comes. The socket stays open until the client gives up or the cap passes. */
  private hold(req: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const socket = req.raw.socket;
    this.held.add(socket);
    const timer = setTimeout(() => socket.destroy(), this.deps.holdCapMs);
    timer.unref();
    socket.once('end', () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      this.held.delete(socket);
    });
  }
}

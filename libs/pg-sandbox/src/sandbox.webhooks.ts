import * as http from 'node:http';
import * as https from 'node:https';
import type { SandboxClock, SandboxScheduler } from './sandbox.clock';
import type { FaultSpec } from './sandbox.faults';
import { newOpaqueId } from './sandbox.format';

/** One webhook to deliver (before faults multiply or drop it). */
export interface WebhookJob {
  gateway: 'toss' | 'portone';
  account: string;
  url: string;
  /** Toss eventType, or the PortOne payment status the notification carries. */
  event: string;
  body: Record<string, unknown>;
  /** PortOne can be set to post forms instead of JSON; Toss always posts JSON. */
  format: 'json' | 'form';
  /** Sandbox-time delays of the retries after a failed attempt (empty: no retry). */
  retryDelaysMs: readonly number[];
}

/** One attempt at delivering a webhook. */
export interface WebhookAttempt {
  /** Sandbox time, ISO 8601 UTC. */
  at: string;
  retriedCount: number;
  status?: number;
  error?: string;
}

/** A webhook delivery as `GET /sandbox/control/webhooks` lists it. */
export interface WebhookDelivery {
  seq: number;
  /** Toss `tosspayments-webhook-transmission-id` (shared by duplicates and retries of one webhook). */
  transmissionId: string;
  gateway: 'toss' | 'portone';
  account: string;
  url: string;
  event: string;
  body: Record<string, unknown>;
  /** 1-based copy number when a `duplicate` fault multiplied it. */
  copy: number;
  state: 'sending' | 'delivered' | 'retrying' | 'failed' | 'dropped';
  attempts: WebhookAttempt[];
}

type WebhookFault = Extract<FaultSpec, { type: 'webhook' }>;

/** Options of the dispatcher. */
export interface WebhookDispatcherOptions {
  /** Per-attempt timeout in real ms. */
  timeoutMs: number;
  /** How many deliveries the log keeps (oldest dropped first). */
  logLimit: number;
}

/**
 * Fire-and-forget webhook delivery with retries on the sandbox clock. Nothing here blocks an API answer except an
 * `early` fault, which is the point of that fault.
 */
export class WebhookDispatcher {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly inflight = new Set<Promise<void>>();
  private readonly requests = new Set<http.ClientRequest>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private log: WebhookDelivery[] = [];
  private seq = 0;
  private closed = false;

  constructor(
    private readonly clock: SandboxClock,
    private readonly scheduler: SandboxScheduler,
    private readonly options: WebhookDispatcherOptions,
  ) {}

  /** Delivers now; resolves when every first attempt has finished (used for `early`). */
  async sendNow(jobs: WebhookJob[], fault?: WebhookFault): Promise<void> {
    await Promise.all(this.expand(jobs, fault).map(([d, job]) => this.attempt(d, job, 0)));
  }

  /** Delivers on the next turn of the event loop, after the API answer has been written. */
  sendAfter(jobs: WebhookJob[], fault?: WebhookFault): void {
    if (jobs.length === 0 || this.closed) return;
    const handle = setImmediate(() => {
      this.immediates.delete(handle);
      void this.sendNow(jobs, fault);
    });
    this.immediates.add(handle);
  }

  /** Sends per the fault: `early` now and awaited, anything else after the answer. */
  async dispatch(jobs: WebhookJob[], fault?: WebhookFault): Promise<void> {
    if (jobs.length === 0) return;
    if (fault?.mode === 'early') await this.sendNow(jobs, fault);
    else this.sendAfter(jobs, fault);
  }

  /** Number of deliveries being attempted right now (or queued to start on the next tick). */
  busy(): number {
    return this.inflight.size + this.immediates.size;
  }

  /** Deliveries logged so far (newest last); `after` is a seq, as for the ledger. */
  deliveries(q: { account?: string; gateway?: string; after?: number; limit?: number }): WebhookDelivery[] {
    const limit = Math.min(1000, Math.max(1, q.limit ?? 100));
    const out: WebhookDelivery[] = [];
    const first = this.log.length ? this.log[0].seq : 1;
    for (let i = Math.max(0, (q.after ?? 0) - first + 1); i < this.log.length && out.length < limit; i++) {
      const d = this.log[i];
      if (q.account !== undefined && d.account !== q.account) continue;
      if (q.gateway !== undefined && d.gateway !== q.gateway) continue;
      out.push(d);
    }
    return out;
  }

  /** Number of deliveries currently in the log. */
  logged(): number {
    return this.log.length;
  }

  clearLog(): void {
    this.log = [];
  }

  /**
   * Resolves true once nothing is being delivered and no scheduled task (retry, settlement) is due now; false if that
   * does not happen within `timeoutMs` (real time). Retries due later in sandbox time do not count as busy.
   */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    let timedOut = false;
    const timer = setTimeout(() => (timedOut = true), timeoutMs);
    timer.unref();
    try {
      for (;;) {
        if (this.busy() === 0 && !this.scheduler.hasDue()) {
          // Let one more turn pass: a handler may have queued a delivery right after we looked.
          await new Promise<void>((r) => setImmediate(r));
          if (this.busy() === 0 && !this.scheduler.hasDue()) return true;
        }
        if (timedOut) return false;
        const tick = new Promise<void>((r) => setTimeout(r, 5).unref());
        await Promise.race([tick, ...this.inflight]);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts deliveries in flight, drops queued ones and closes pooled connections. */
  close(): void {
    this.closed = true;
    for (const h of this.immediates) clearImmediate(h);
    this.immediates.clear();
    for (const req of this.requests) req.destroy();
    this.requests.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private expand(jobs: WebhookJob[], fault?: WebhookFault): Array<[WebhookDelivery, WebhookJob]> {
    const out: Array<[WebhookDelivery, WebhookJob]> = [];
    for (const job of jobs) {
      const copies = fault?.mode === 'duplicate' ? (fault.count ?? 2) : 1;
      const transmissionId = newOpaqueId('wh_', 12);
      for (let copy = 1; copy <= copies; copy++) {
        const d: WebhookDelivery = {
          seq: ++this.seq,
          transmissionId,
          gateway: job.gateway,
          account: job.account,
          url: job.url,
          event: job.event,
          body: job.body,
          copy,
          state: fault?.mode === 'drop' ? 'dropped' : 'sending',
          attempts: [],
        };
        this.record(d);
        if (d.state !== 'dropped') out.push([d, job]);
      }
    }
    return out;
  }

  private record(d: WebhookDelivery): void {
    this.log.push(d);
    // Trim in halves so the cost is amortised O(1) per delivery.
    if (this.log.length > this.options.logLimit * 2) this.log = this.log.slice(this.log.length - this.options.logLimit);
  }

  private attempt(d: WebhookDelivery, job: WebhookJob, retriedCount: number): Promise<void> {
    const p = this.post(job, d, retriedCount)
      .then((status) => {
        d.attempts.push({ at: new Date(this.clock.now()).toISOString(), retriedCount, status });
        if (status >= 200 && status < 300) d.state = 'delivered';
        else this.retryOrFail(d, job, retriedCount);
      })
      .catch((err: unknown) => {
        d.attempts.push({ at: new Date(this.clock.now()).toISOString(), retriedCount, error: describe(err) });
        this.retryOrFail(d, job, retriedCount);
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
    return p;
  }

  private retryOrFail(d: WebhookDelivery, job: WebhookJob, retriedCount: number): void {
    if (this.closed || retriedCount >= job.retryDelaysMs.length) {
      d.state = 'failed';
      return;
    }
    d.state = 'retrying';
    this.scheduler.after(job.retryDelaysMs[retriedCount], () => void this.attempt(d, job, retriedCount + 1));
  }

  private post(job: WebhookJob, d: WebhookDelivery, retriedCount: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.closed) return reject(new Error('sandbox closed'));
      let url: URL;
      try {
        url = new URL(job.url);
      } catch {
        return reject(new Error('invalid webhook URL'));
      }
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return reject(new Error('webhook URL must be http or https'));
      const payload =
        job.format === 'form'
          ? new URLSearchParams(Object.entries(job.body).map(([k, v]): [string, string] => [k, String(v)])).toString()
          : JSON.stringify(job.body);
      const headers: Record<string, string | number> = {
        'content-type': job.format === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
        'content-length': Buffer.byteLength(payload),
        'user-agent': job.gateway === 'toss' ? 'TossPayments-Webhook (sandbox)' : 'PortOne-Webhook (sandbox)',
      };
      if (job.gateway === 'toss') {
        headers['tosspayments-webhook-transmission-id'] = d.transmissionId;
        headers['tosspayments-webhook-transmission-retried-count'] = retriedCount;
      }
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      this.requests.add(req);
      // The receiver's time starts when a socket is ours: a delivery waiting for one of the sender's own 64 sockets
      // (a burst of settlements) has not reached the receiver yet, and must not time out for the sender's queue.
      let timer: NodeJS.Timeout | undefined;
      req.once('socket', () => {
        timer = setTimeout(
          () => req.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)),
          this.options.timeoutMs,
        );
        timer.unref();
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          this.requests.delete(req);
          resolve(res.statusCode ?? 0);
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          this.requests.delete(req);
          reject(err);
        });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        this.requests.delete(req);
        reject(err);
      });
      req.end(payload);
    });
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}

import { SandboxClock, SandboxScheduler } from './sandbox.clock';
import { FaultRegistry, parseFaultRequest, type ActiveFault, type FaultRequest } from './sandbox.faults';
import { IdempotencyStore, PgRouteRunner } from './sandbox.http';
import { Ledger } from './sandbox.ledger';
import { resolveSandboxOptions, type ResolvedSandboxOptions, type SandboxBehaviourOptions } from './sandbox.options';
import { PortoneSandbox } from './sandbox.portone.state';
import { WorkCounter, type SandboxStats } from './sandbox.stats';
import { TossSandbox } from './sandbox.toss.state';
import { WebhookDispatcher } from './sandbox.webhooks';

/**
 * One sandbox: the state of both simulated PGs, its clock, faults, ledgers and webhook outbox. Mount it with
 * `pgSandboxPlugin` (pass it as `options.sandbox` to keep a handle on it in-process).
 */
export class PgSandbox {
  readonly options: ResolvedSandboxOptions;
  readonly clock: SandboxClock;
  readonly scheduler: SandboxScheduler;
  readonly work = new WorkCounter();
  readonly faults: FaultRegistry;
  readonly webhooks: WebhookDispatcher;
  readonly idempotency = new IdempotencyStore();
  readonly tossLedger: Ledger;
  readonly portoneLedger: Ledger;
  readonly toss: TossSandbox;
  readonly portone: PortoneSandbox;
  private readonly runners = new Set<PgRouteRunner>();
  /** Fault operations of the mounted sandbox plugins, by prefix (see `SandboxPlugin.faultOperations`). */
  private readonly pluginFaultOps = new Map<string, readonly string[]>();
  private requests = 0;
  private servedMs = 0;
  private closed = false;

  constructor(options: SandboxBehaviourOptions = {}) {
    this.options = resolveSandboxOptions(options);
    this.clock = new SandboxClock(this.options.now);
    this.scheduler = new SandboxScheduler(this.clock);
    this.faults = new FaultRegistry(this.work);
    this.webhooks = new WebhookDispatcher(this.clock, this.scheduler, {
      timeoutMs: this.options.webhookTimeoutMs,
      logLimit: this.options.webhookLogLimit,
    });
    this.tossLedger = new Ledger('toss', 'orderId', this.work);
    this.portoneLedger = new Ledger('portone', 'merchant_uid', this.work);
    const common = { clock: this.clock, scheduler: this.scheduler, webhooks: this.webhooks, options: this.options };
    this.toss = new TossSandbox({ ...common, ledger: this.tossLedger });
    this.portone = new PortoneSandbox({ ...common, ledger: this.portoneLedger, work: this.work });
  }

  /** Sandbox time, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /** Moves sandbox time forward and runs whatever became due (expiries, auto-settlements, webhook retries). */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.scheduler.runDue();
  }

  /**
   * Resolves true once no webhook is being delivered and nothing scheduled is due now (false after `timeoutMs` real
   * ms). Await it after an action before asserting on what a webhook receiver got.
   */
  idle(timeoutMs = 10_000): Promise<boolean> {
    return this.webhooks.idle(timeoutMs);
  }

  /** Registers a fault (same body as `POST /sandbox/control/faults`); returns it with its id. */
  addFault(request: FaultRequest | unknown): ActiveFault {
    return this.faults.add(parseFaultRequest(request, this.pluginFaultOps));
  }

  /** Lets `POST /sandbox/control/faults` take `{ gateway: <prefix>, operation }` for a plugin's operations. */
  registerFaultOperations(prefix: string, operations: readonly string[]): void {
    this.pluginFaultOps.set(prefix, [...new Set([...(this.pluginFaultOps.get(prefix) ?? []), ...operations])]);
  }

  /** Forgets every payment, key, token, fault, ledger entry, idempotency key and scheduled task; the clock stays. */
  reset(): void {
    this.toss.reset();
    this.portone.reset();
    this.faults.clear();
    this.idempotency.clear();
    this.tossLedger.clear();
    this.portoneLedger.clear();
    this.webhooks.clearLog();
    this.scheduler.clear();
  }

  stats(): SandboxStats {
    let held = 0;
    for (const r of this.runners) held += r.held.size;
    return {
      work: this.work.value(),
      requests: this.requests,
      meanServiceMs: this.requests > 0 ? this.servedMs / this.requests : 0,
      tossPayments: this.toss.size,
      portonePayments: this.portone.size,
      portoneCustomers: this.portone.customerCount,
      tossLedger: this.tossLedger.size,
      portoneLedger: this.portoneLedger.size,
      faults: this.faults.list().length,
      scheduledTasks: this.scheduler.size(),
      webhooksInFlight: this.webhooks.busy(),
      webhookDeliveries: this.webhooks.logged(),
      heldSockets: held,
      idempotencyKeys: this.idempotency.size,
    };
  }

  /** A request runner for one server (it owns that server's held sockets). */
  createRunner(): PgRouteRunner {
    const runner = new PgRouteRunner({
      clock: this.clock,
      faults: this.faults,
      idempotency: this.idempotency,
      webhooks: this.webhooks,
      latencyMs: this.options.latencyMs,
      holdCapMs: this.options.holdCapMs,
      onRequest: () => void this.requests++,
      onServed: (ms) => void (this.servedMs += ms),
    });
    this.runners.add(runner);
    return runner;
  }

  /** Releases a server's runner (its held sockets are destroyed). */
  releaseRunner(runner: PgRouteRunner): void {
    runner.releaseHeld();
    this.runners.delete(runner);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops timers, aborts webhook deliveries and destroys held sockets. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.runners) r.releaseHeld();
    this.runners.clear();
    this.scheduler.close();
    this.webhooks.close();
  }
}

/** Creates a sandbox instance to pass to `pgSandboxPlugin` as `options.sandbox`. */
export function createPgSandbox(options: SandboxBehaviourOptions = {}): PgSandbox {
  return new PgSandbox(options);
}

import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { appConfig, type AppConfig } from '../config/configuration';
import type { Drainable } from './drainable';

/** The drainables get this share of SHUTDOWN_DRAIN_MS; the rest is for closing HTTP and the database pool. */
const DRAINABLES_SHARE = 0.8;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * The graceful drain on SIGTERM (Nest's shutdown hooks, with Fastify's close after it): readiness turns 503 at once,
 * registered drainables stop taking work and finish or hand back what they hold, then Fastify lets in-flight requests
 * complete, the pool closes and the process exits 0. The whole shutdown is bounded by SHUTDOWN_DRAIN_MS from the
 * signal (after that, exit 1: what was cut short is safe, leases expire and intents are looked up). A second signal
 * exits at once.
 *
 * The drain starts in the root module's onModuleDestroy (AppModule), not in beforeApplicationShutdown: Nest runs every
 * onModuleDestroy first, and the PG clients close their sockets there, which would cut the calls in flight (UNKNOWN).
 */
@Injectable()
export class DrainService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);
  private readonly members: Drainable[] = [];
  private drained?: Promise<void>;
  private isDraining = false;
  private signalsSeen = 0;
  private hardDeadline?: NodeJS.Timeout;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.signalsSeen++;
    if (this.signalsSeen === 1) {
      // The drain itself is Nest's (enableShutdownHooks); this bounds all of it, Fastify's close and the pool's too.
      const budgetMs = this.config.shutdownDrainMs;
      this.hardDeadline = setTimeout(() => {
        this.logger.error({ budgetMs }, 'shutdown exceeded SHUTDOWN_DRAIN_MS: exiting');
        this.exit(1);
      }, budgetMs);
      this.hardDeadline.unref();
      return;
    }
    this.logger.warn({ signal }, 'second signal during the drain: exiting now');
    this.exit(1);
  };
  /** Replaced in unit specs. */
  exit: (code: number) => void = (code) => process.exit(code);

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  register(member: Drainable): void {
    this.members.push(member);
  }

  /** True from the first shutdown step on: readiness answers 503 so the load balancer stops sending traffic. */
  get draining(): boolean {
    return this.isDraining;
  }

  onApplicationBootstrap(): void {
    for (const s of SIGNALS) process.on(s, this.onSignal);
  }

  /** Drains every member once (later calls wait for the same drain). */
  drainAll(): Promise<void> {
    this.isDraining = true; // before the members run: they may check it
    this.drained ??= this.run();
    return this.drained;
  }

  /** Where Nest's hooks would drain; in practice AppModule's onModuleDestroy has already started it (see above). */
  beforeApplicationShutdown(): Promise<void> {
    return this.drainAll();
  }

  onApplicationShutdown(): void {
    // The hard deadline stays armed (unref'd) until the process exits.
    for (const s of SIGNALS) process.removeListener(s, this.onSignal);
  }

  private async run(): Promise<void> {
    const budgetMs = this.config.shutdownDrainMs;
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), Math.floor(budgetMs * DRAINABLES_SHARE));
    const outcomes = new Map<string, string>();
    try {
      await Promise.race([
        Promise.all(
          this.members.map((m) =>
            m.drain(deadline.signal).then(
              () => outcomes.set(m.drainName, 'drained'),
              (err: unknown) => outcomes.set(m.drainName, `failed: ${(err as Error).message}`),
            ),
          ),
        ),
        // A member that ignores the deadline does not hold the shutdown past its share.
        new Promise<void>((resolve) =>
          deadline.signal.addEventListener('abort', () => setTimeout(resolve, 50), { once: true }),
        ),
      ]);
    } finally {
      clearTimeout(timer);
    }
    for (const m of this.members) if (!outcomes.has(m.drainName)) outcomes.set(m.drainName, 'cut short');
    this.logger.log(
      {
        signalled: this.signalsSeen > 0,
        ms: Math.round(performance.now() - started),
        members: Object.fromEntries(outcomes),
      },
      'drained',
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DrainService } from '../drain/drain.service';

const CHECK_TIMEOUT_MS = 2000;

export interface ReadinessCheck {
  status: 'up' | 'down';
  message?: string;
}

export interface Readiness {
  status: 'ok' | 'error';
  /** Every check, each `up` or `down` with why. */
  details: Record<'database' | 'migrations' | 'draining', ReadinessCheck>;
}

/**
 * Readiness for the load balancer: the database answers, its migrations are current (none pending: a release runs
 * `npm run migration:run` before the new instances take traffic), and the instance is not draining.
 */
@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly drain: DrainService,
  ) {}

  async readiness(): Promise<Readiness> {
    const draining: ReadinessCheck = this.drain.draining
      ? { status: 'down', message: 'draining: shutting down, send traffic elsewhere' }
      : { status: 'up' };
    let database: ReadinessCheck = { status: 'up' };
    let migrations: ReadinessCheck = { status: 'up' };
    try {
      await withTimeout(this.ds.query('SELECT 1'), 'database did not answer');
      try {
        const pending = await withTimeout(this.ds.showMigrations(), 'migration check did not answer');
        if (pending) migrations = { status: 'down', message: 'pending migrations: run npm run migration:run' };
      } catch (err) {
        migrations = { status: 'down', message: safeMessage(err) };
      }
    } catch (err) {
      database = { status: 'down', message: safeMessage(err) };
      migrations = { status: 'down', message: 'not checked: database unreachable' };
    }
    const details = { database, migrations, draining };
    const ok = Object.values(details).every((c) => c.status === 'up');
    return { status: ok ? 'ok' : 'error', details };
  }
}

function withTimeout<T>(p: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), CHECK_TIMEOUT_MS))),
  ]).finally(() => clearTimeout(timer));
}

/** A driver error can carry a connection string; only our own messages and a generic one leave the process. */
function safeMessage(err: unknown): string {
  const m = (err as Error)?.message ?? '';
  return /did not answer$/.test(m) ? m : 'database error';
}

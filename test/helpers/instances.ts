import { DataSource } from 'typeorm';
import { newId } from '../../src/common/ids';
import { Subscription } from '../../src/subscriptions/subscription.entity';
import { initialSchedule } from '../../src/subscriptions/subscription.transitions';
import { apiOf, billingSetup } from './multi-fixtures';
import type { AppProcess } from './multi-process';
import type { TestApp } from './test-app';
import { waitFor } from './wait-for';

/** Helpers of the several-process e2e specs (drain, fencing): fixtures, environment, the sandbox's ledger. */

/**
 * `count` subscriptions due now, spread over `merchants` merchants (each with its customer and billing key). Each is
 * due a moment after the one before, as real subscriptions are: claims take the longest-due first, so work handed back
 * is taken again before anything not yet claimed.
 */
export async function insertDueSubscriptions(t: TestApp, count: number, merchants: number): Promise<string[]> {
  const ds = t.app.get(DataSource);
  const now = new Date(Date.now() - 1000);
  const dueAt = (k: number) => new Date(now.getTime() - 60_000 + k * 10);
  const ids: string[] = [];
  for (let i = 0; i < merchants; i++) {
    const s = await billingSetup(t);
    const rows: Subscription[] = Array.from({ length: Math.ceil(count / merchants) }, (_, k) => ({
      id: newId('sub'),
      merchantId: s.m.id,
      customerId: s.c.id,
      planId: s.plan.id,
      billingKeyId: s.key.id,
      gateway: 'portone-paypal-rt',
      status: 'incomplete',
      amount: 1999,
      currency: 'USD',
      planName: 'Pro',
      interval: 'month',
      intervalCount: 1,
      anchorAt: now,
      ...initialSchedule(now, 'month', 1),
      nextChargeAt: dueAt(k * merchants + i),
      cancelAtPeriodEnd: false,
      canceledAt: null,
      cancelReason: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      leaseVersion: 0,
      createdAt: now,
      updatedAt: now,
    }));
    for (let k = 0; k < rows.length; k += 125) await ds.getRepository(Subscription).insert(rows.slice(k, k + 125));
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/** An app process's environment: the test's PostgreSQL schema (already migrated) and the in-process sandbox. */
export function instanceEnv(port: number, sandbox: string, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: process.env.DATABASE_SCHEMA!,
    DATABASE_MIGRATIONS_RUN: 'false',
    DATABASE_POOL_SIZE: '10',
    ADMIN_API_KEY: 'test-admin-key-0123456789abcdef',
    SECRETS_KEY: process.env.SECRETS_KEY!,
    PG_SANDBOX: 'true',
    PORTONE_BASE_URL: `${sandbox}/portone`,
    TOSS_BASE_URL: `${sandbox}/toss`,
    SCHEDULER_ENABLED: 'true',
    SCHEDULER_CRON: '* * * * * *',
    ...extra,
  };
}

export interface LedgerEntry {
  merchant_uid: string;
  outcome: string;
}

/** Every PortOne `again` the sandbox saw (paged). */
export async function againLedger(sandbox: string, query: Record<string, string> = {}): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let after = '';
  for (;;) {
    const q = new URLSearchParams({ operation: 'again', limit: '1000', ...query, ...(after ? { after } : {}) });
    const res = await apiOf(sandbox).get(`/portone/ledger?${q}`);
    out.push(...(res.body.data as LedgerEntry[]));
    if (!res.body.next) return out;
    after = String(res.body.next);
  }
}

/** Missed (no approved charge for cycle 0) and doubled (more than one `again`) among `subIds`, from the ledger. */
export function ledgerCheck(entries: LedgerEntry[], subIds: readonly string[]): { missed: number; doubles: number } {
  const byUid = new Map<string, LedgerEntry[]>();
  for (const e of entries) byUid.set(e.merchant_uid, [...(byUid.get(e.merchant_uid) ?? []), e]);
  const missed = subIds.filter((id) => !(byUid.get(`${id}-c0-a1`) ?? []).some((e) => e.outcome === 'approved'));
  const doubles = [...byUid.values()].filter((list) => list.length > 1);
  return { missed: missed.length, doubles: doubles.length };
}

/** The lease owner name a process writes (from its scheduler's start line, which may follow READY: pino buffers). */
export async function leaseOwnerOf(p: AppProcess): Promise<string> {
  const line = () => p.lines.find((l) => l.includes('billing scheduler started'));
  if (!(await waitFor(async () => line() !== undefined, { timeoutMs: 10_000, intervalMs: 20 })))
    throw new Error(`${p.name} logged no scheduler start`);
  return (JSON.parse(line()!) as { owner: string }).owner;
}

/** A counter's value on a process's /metrics (0 when absent). */
export async function metricOf(p: AppProcess, name: string): Promise<number> {
  const text = await fetch(`${p.url}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

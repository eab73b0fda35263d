import type { WorkCounter } from './sandbox.stats';

/**
 * One thing the sandbox did for a merchant: a charge, confirm, cancel, issuance or key deletion. The request fields
 * it received sit at the top level under their PG names (`merchant_uid`, `customer_uid`, `amount` in the PG's major
 * units, `currency`, `bypass` parsed, `orderId`, `paymentKey`, ...), next to what happened (`outcome`, `code`,
 * `message`, the PG's ids) and when (`at`, sandbox time).
 */
export interface LedgerEntry {
  /** Position in this gateway's ledger, from 1; pass the last one seen as `after` to page. */
  seq: number;
  /** Sandbox time, ISO 8601 UTC. */
  at: string;
  /** Sandbox time, epoch ms. */
  atMs: number;
  gateway: 'toss' | 'portone';
  account: string;
  operation: string;
  /**
   * `approved`, `declined`, `pending`, `refused` (the PG refused the request itself: nothing charged), `done`,
   * `in_progress`, `rejected`, `canceled`, `failed`, `deleted`.
   */
  outcome: string;
  [field: string]: unknown;
}

/** Filters of `GET /sandbox/<gateway>/ledger`. `merchant_uid`/`orderId` and `account` are indexed. */
export interface LedgerQuery {
  account?: string;
  /** PortOne merchant_uid or Toss orderId (the merchant's reference). */
  ref?: string;
  operation?: string;
  outcome?: string;
  after?: number;
  limit?: number;
}

/** A page of ledger entries; `next` is the `after` value for the following page, null at the end. */
export interface LedgerPage {
  data: LedgerEntry[];
  next: number | null;
}

/** Largest page a ledger query returns. */
export const LEDGER_MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

/** Append-only ledger with per-account and per-reference indexes, so lookups cost what they return. */
export class Ledger {
  private readonly entries: LedgerEntry[] = [];
  private readonly byAccount = new Map<string, LedgerEntry[]>();
  private readonly byRef = new Map<string, LedgerEntry[]>();

  constructor(
    private readonly gateway: 'toss' | 'portone',
    private readonly refField: 'merchant_uid' | 'orderId',
    private readonly work: WorkCounter,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  append(atMs: number, entry: Omit<LedgerEntry, 'seq' | 'at' | 'atMs' | 'gateway'>): LedgerEntry {
    const full = {
      seq: this.entries.length + 1,
      at: new Date(atMs).toISOString(),
      atMs,
      gateway: this.gateway,
      ...entry,
    } as LedgerEntry;
    this.entries.push(full);
    push(this.byAccount, full.account, full);
    const ref = full[this.refField];
    if (typeof ref === 'string') push(this.byRef, ref, full);
    return full;
  }

  clear(): void {
    this.entries.length = 0;
    this.byAccount.clear();
    this.byRef.clear();
  }

  query(q: LedgerQuery): LedgerPage {
    const limit = Math.min(LEDGER_MAX_LIMIT, Math.max(1, q.limit ?? DEFAULT_LIMIT));
    // Pick the most selective index; the rest of the filters apply to its slice.
    let source: LedgerEntry[];
    if (q.ref !== undefined) source = this.byRef.get(q.ref) ?? [];
    else if (q.account !== undefined) source = this.byAccount.get(q.account) ?? [];
    else source = this.entries;
    const start = firstAfter(source, q.after ?? 0);
    const data: LedgerEntry[] = [];
    let i = start;
    for (; i < source.length && data.length < limit; i++) {
      this.work.count(1);
      const e = source[i];
      if (q.account !== undefined && e.account !== q.account) continue;
      if (q.operation !== undefined && e.operation !== q.operation) continue;
      if (q.outcome !== undefined && e.outcome !== q.outcome) continue;
      data.push(e);
    }
    return { data, next: i < source.length && data.length > 0 ? data[data.length - 1].seq : null };
  }
}

function push(map: Map<string, LedgerEntry[]>, key: string, entry: LedgerEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** Index of the first entry with seq > after (entries are sorted by seq). */
function firstAfter(list: LedgerEntry[], after: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

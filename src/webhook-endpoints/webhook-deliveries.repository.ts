import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { bulkInsert, rowsOf } from '../database/bulk-update';
import { EventRecord } from '../events/event.entity';
import { newId } from '../common/ids';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';

/** A claimed delivery: what sending it needs, and the lease version its result is fenced by. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  attempts: number;
  leaseVersion: number;
  eventCreatedAt: Date;
}

export type DeliveryResult =
  | { kind: 'delivered'; at: Date; statusCode: number }
  | { kind: 'retry'; at: Date; next: Date; statusCode: number | null; error: string }
  | { kind: 'failed'; at: Date; statusCode: number | null; error: string };

/** Any number to keep one fan-out at a time across instances (a transaction-scoped advisory lock). */
const FAN_OUT_LOCK = 26_050_001;

/** Does an endpoint's filter take this event type? (`*`, `<prefix>.*` or the exact type.) */
export function matchesFilter(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}

/**
 * The worker's statements. Fan-out turns committed events into one pending delivery per matching endpoint. Claims
 * follow the billing scheduler's: PostgreSQL `FOR UPDATE SKIP LOCKED`, a lease expiring in database time, a version
 * bumped per claim that results are written with; SQLite runs the same statements for its one instance.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get postgres(): boolean {
    return this.ds.driver.options.type === 'postgres';
  }

  /**
   * Fans out up to `limit` events not yet fanned out, oldest first, in one transaction. One instance at a time on
   * PostgreSQL: two fanning out different events of one object together could commit the later one's delivery first,
   * and the sender would then see nothing pending before it.
   */
  async fanOut(now: Date, limit: number): Promise<number> {
    return this.ds.transaction(async (m) => {
      if (this.postgres) {
        const [got] = rowsOf(await m.query(`SELECT pg_try_advisory_xact_lock(${FAN_OUT_LOCK}) AS ok`));
        if (got?.ok !== true) return 0;
      }
      const events = await m.find(EventRecord, {
        select: { id: true, merchantId: true, type: true, objectId: true, sequence: true, createdAt: true },
        where: { fannedOutAt: IsNull() },
        order: { createdAt: 'ASC', sequence: 'ASC' },
        take: limit,
      });
      if (events.length === 0) return 0;
      const merchants = [...new Set(events.map((e) => e.merchantId))];
      const endpoints = await m.find(WebhookEndpoint, {
        select: { id: true, merchantId: true, events: true },
        where: { merchantId: In(merchants) },
      });
      const byMerchant = new Map<string, WebhookEndpoint[]>();
      for (const e of endpoints) byMerchant.set(e.merchantId, [...(byMerchant.get(e.merchantId) ?? []), e]);
      const rows: WebhookDelivery[] = [];
      for (const ev of events)
        for (const ep of byMerchant.get(ev.merchantId) ?? [])
          if (matchesFilter(ep.events, ev.type))
            rows.push({
              id: newId('whd'),
              merchantId: ev.merchantId,
              endpointId: ep.id,
              eventId: ev.id,
              eventType: ev.type,
              objectId: ev.objectId,
              sequence: ev.sequence,
              eventCreatedAt: ev.createdAt,
              status: 'pending',
              attempts: 0,
              nextAttemptAt: now,
              lastAttemptAt: null,
              lastStatusCode: null,
              lastError: null,
              deliveredAt: null,
              leaseOwner: null,
              leaseExpiresAt: null,
              leaseVersion: 0,
              createdAt: now,
            });
      // Unique (endpoint, event): whatever happens, one event is one delivery per endpoint.
      await bulkInsert(m, WebhookDelivery, rows, { onConflict: 'ignore' });
      await m.update(EventRecord, { id: In(events.map((e) => e.id)) }, { fannedOutAt: now });
      return events.length;
    });
  }

  /**
   * Claims up to `limit` pending deliveries due at `now` (the app clock) whose lease is free or expired, and only the
   * oldest pending one of each (endpoint, object): a later event waits until the earlier one is delivered or failed.
   * No ORDER BY: every due row is equally due, and without it the scan stops at the `limit`-th eligible row. With it,
   * PostgreSQL read and anti-joined every due row before the sort whenever its statistics lagged a burst of events.
   */
  async claimDue(opts: { now: Date; owner: string; leaseMs: number; limit: number }): Promise<ClaimedDelivery[]> {
    const pg = this.postgres;
    const params: unknown[] = [];
    const p = (value: unknown) => (params.push(value), pg ? `$${params.length}` : '?');
    const owner = p(opts.owner);
    const due = p(pg ? opts.now : DateUtils.mixedDateToUtcDatetimeString(opts.now));
    const limit = p(opts.limit);
    const leaseMs = Math.floor(opts.leaseMs);
    const dbNow = pg ? 'now()' : "strftime('%Y-%m-%d %H:%M:%f','now')";
    const expiry = pg
      ? `now() + ${leaseMs} * interval '1 millisecond'`
      : `strftime('%Y-%m-%d %H:%M:%f','now','+${(leaseMs / 1000).toFixed(3)} seconds')`;
    const sql =
      `UPDATE webhook_deliveries SET lease_owner = ${owner}, lease_expires_at = ${expiry}, ` +
      `lease_version = lease_version + 1 WHERE id IN (SELECT d.id FROM webhook_deliveries d ` +
      `WHERE d.status = 'pending' AND d.next_attempt_at <= ${due} ` +
      `AND (d.lease_expires_at IS NULL OR d.lease_expires_at < ${dbNow}) ` +
      `AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id ` +
      `AND e.object_id = d.object_id AND e.status = 'pending' AND e.sequence < d.sequence) ` +
      `LIMIT ${limit}${pg ? ' FOR UPDATE SKIP LOCKED' : ''}) ` +
      `RETURNING id, endpoint_id, event_id, attempts, lease_version, event_created_at`;
    return rowsOf(await this.ds.query(sql, params)).map((r) => ({
      id: String(r.id),
      endpointId: String(r.endpoint_id),
      eventId: String(r.event_id),
      attempts: Number(r.attempts),
      leaseVersion: Number(r.lease_version),
      eventCreatedAt: toDate(r.event_created_at),
    }));
  }

  events(ids: string[]): Promise<EventRecord[]> {
    return this.ds.getRepository(EventRecord).findBy({ id: In(ids) });
  }

  endpoints(ids: string[]): Promise<WebhookEndpoint[]> {
    return this.ds.getRepository(WebhookEndpoint).findBy({ id: In(ids) });
  }

  /** Writes an attempt's outcome, only while the claim is still ours (a retaken lease's version no longer matches). */
  async record(d: ClaimedDelivery, r: DeliveryResult): Promise<boolean> {
    const common = {
      attempts: d.attempts + 1,
      lastAttemptAt: r.at,
      lastStatusCode: r.statusCode,
      leaseOwner: null,
      leaseExpiresAt: null,
    };
    const set: Partial<WebhookDelivery> =
      r.kind === 'delivered'
        ? { ...common, status: 'delivered', deliveredAt: r.at, nextAttemptAt: null, lastError: null }
        : r.kind === 'retry'
          ? { ...common, status: 'pending', nextAttemptAt: r.next, lastError: r.error }
          : { ...common, status: 'failed', nextAttemptAt: null, lastError: r.error };
    const res = await this.ds
      .getRepository(WebhookDelivery)
      .update({ id: d.id, leaseVersion: d.leaseVersion, status: 'pending' }, set);
    return res.affected === 1;
  }

  /** Gives claims back untouched (shutdown before they were sent). */
  async release(ds: readonly ClaimedDelivery[]): Promise<void> {
    for (const d of ds)
      await this.ds
        .getRepository(WebhookDelivery)
        .update({ id: d.id, leaseVersion: d.leaseVersion }, { leaseOwner: null, leaseExpiresAt: null });
  }
}

/** SQLite hands back its UTC `YYYY-MM-DD HH:MM:SS.SSS` text, PostgreSQL a Date. */
function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

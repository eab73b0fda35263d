import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThanOrEqual, Repository } from 'typeorm';
import { WebhookPointer } from './webhook-pointer.entity';

/** How long a count that found a merchant at the cap is believed. */
const FULL_RECHECK_MS = 1_000;
/** Scopes remembered at most (a bound on memory; forgetting one only costs its next count). */
const MAX_FULL_SCOPES = 10_000;

/** A pointer to keep: what it names, deduplicated by (merchant, gateway, dedupKey). */
export interface PointerToKeep {
  merchantId: string;
  gateway: string;
  dedupKey: string;
  reference: string | null;
  gatewayPaymentId: string | null;
  event: string | null;
  /** The delivery announced a refund (see WebhookRefetch.refundNoticed). */
  refundNoticed?: boolean;
}

/**
 * Webhook pointers kept durably for the reconciler. Inserts ignore a pointer already kept (same dedup key), so a
 * retried delivery is one row; the per-merchant cap is checked with one count before inserting, so concurrent
 * stores can pass it by at most their number (the bound still holds: a flood cannot grow the table without limit).
 */
@Injectable()
export class WebhookInboxRepository {
  /** (merchant, gateway) found at the cap, until when (ms): see keepCapped. */
  private readonly fullUntil = new Map<string, number>();

  constructor(@InjectRepository(WebhookPointer) private readonly pointers: Repository<WebhookPointer>) {}

  /** Keeps the pointers (one INSERT for them all); an existing dedup key is left as it is. */
  async keep(rows: readonly PointerToKeep[], due: Date, now: Date): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((r) => ({
      ...r,
      refundNoticed: r.refundNoticed === true,
      id: pointerId(r),
      dedupKey: r.dedupKey.slice(0, 240),
      attempts: 0,
      nextAttemptAt: due,
      createdAt: now,
    }));
    await this.pointers.createQueryBuilder().insert().values(values).orIgnore().execute();
  }

  /**
   * Keeps one pointer unless the merchant already has `cap` kept for this gateway. False when refused by the cap. A
   * count that finds the cap reached is believed for FULL_RECHECK_MS (of `now`): a burst refused at the cap (a billing
   * run's webhooks while the budget is spent) is one count per merchant and gateway per interval, not one per
   * delivery, each walking `cap` rows. A pointer refused meanwhile is answered 503 and retried by the PG.
   */
  async keepCapped(row: PointerToKeep, cap: number, due: Date, now: Date): Promise<boolean> {
    const id = pointerId(row);
    if (await this.pointers.existsBy({ id })) return true;
    if (this.atCap(row.merchantId, row.gateway, now)) return false;
    const scope = `${row.merchantId}\n${row.gateway}`;
    if ((await this.pointers.countBy({ merchantId: row.merchantId, gateway: row.gateway })) >= cap) {
      if (this.fullUntil.size >= MAX_FULL_SCOPES) this.fullUntil.clear();
      this.fullUntil.set(scope, now.getTime() + FULL_RECHECK_MS);
      return false;
    }
    this.fullUntil.delete(scope);
    await this.keep([row], due, now);
    return true;
  }

  /**
   * True while a count found the merchant at the cap for this gateway (see keepCapped): a caller can refuse a pointer
   * without reading anything first. False says nothing (keepCapped decides).
   */
  atCap(merchantId: string, gateway: string, now: Date): boolean {
    const fullUntil = this.fullUntil.get(`${merchantId}\n${gateway}`);
    return fullUntil !== undefined && now.getTime() < fullUntil;
  }

  /** Pointers due for the reconciler, oldest first. */
  due(gateway: string, now: Date, limit: number, merchantId?: string): Promise<WebhookPointer[]> {
    return this.pointers.find({
      where: { gateway, nextAttemptAt: LessThanOrEqual(now), ...(merchantId ? { merchantId } : {}) },
      order: { nextAttemptAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.pointers.delete({ id: In([...ids]) });
  }

  /** Removes the kept copies of pointers that were applied (their ids derive from what they point at). */
  async removeKept(rows: readonly PointerToKeep[]): Promise<void> {
    await this.remove(rows.map(pointerId));
  }

  async reschedule(id: string, attempts: number, next: Date): Promise<void> {
    await this.pointers.update({ id }, { attempts, nextAttemptAt: next });
  }

  count(gateway: string, merchantId: string): Promise<number> {
    return this.pointers.countBy({ gateway, merchantId });
  }
}

/** The row id derives from the dedup key, so keeping and removing a pointer need no read. */
export function pointerId(r: Pick<PointerToKeep, 'merchantId' | 'gateway' | 'dedupKey'>): string {
  return `whp_${createHash('sha256')
    .update(`${r.merchantId}\n${r.gateway}\n${r.dedupKey.slice(0, 240)}`)
    .digest('base64url')
    .slice(0, 32)}`;
}

import { Injectable, Logger } from '@nestjs/common';
import { billingKeyFlowOf, GatewayRegistry } from '@app/pg-contract';
import type { BillingKey } from './billing-key.entity';
import { BillingKeysRepository } from './billing-keys.repository';
import { BillingKeysService, type Pointer } from './billing-keys.service';

/**
 * The return routes of redirect-based billing-key flows (`billingKeyFlow: 'redirect'`): where the PG sends the
 * buyer's browser after approval (`/v1/billing-keys/{id}/return`) or failure (`/fail`). Unauthenticated, so: bounded
 * work, scoped by the key id, and the query is only a pointer the adapter re-verifies with the PG.
 */
@Injectable()
export class BillingKeyReturnsService {
  private readonly logger = new Logger(BillingKeyReturnsService.name);
  /** Return-route completions under way, by key id: a reloaded return page waits for the first instead of calling the PG again. */
  private readonly returning = new Map<string, Promise<boolean>>();

  constructor(
    private readonly repo: BillingKeysRepository,
    private readonly keys: BillingKeysService,
    private readonly registry: GatewayRegistry,
  ) {}

  /**
   * The PG sent the buyer's browser back (`GET /v1/billing-keys/{id}/return?…`): the query is only a pointer the
   * adapter re-verifies with the PG. Bounded: one key by id, only a pending key of a redirect gateway is completed, and
   * concurrent returns of one key share one PG call. Answers where to send the buyer (the creation's successUrl or
   * failUrl with `billingKeyId` and `status`), or null when the key is no redirect issuance (404).
   */
  async returnFromGateway(id: string, query: Pointer): Promise<string | null> {
    const key = await this.repo.findManyByIds([id]).then((rows) => rows[0]);
    if (!key || !this.isRedirectIssuance(key)) return null;
    if (key.status === 'pending') {
      let running = this.returning.get(key.id);
      if (!running) {
        running = this.keys
          .completeWith(key, query, 'return')
          .catch((err: unknown) => {
            // A verdict the PG could not give (timeout): the key stays pending, the buyer lands on failUrl as pending.
            this.logger.warn(
              { billingKeyId: key.id, err: (err as Error).message },
              'billing key return could not be completed',
            );
            return false;
          })
          .finally(() => this.returning.delete(key.id));
        this.returning.set(key.id, running);
      }
      await running;
    }
    return this.landing((await this.repo.findManyByIds([id]))[0] ?? key);
  }

  /**
   * The PG sent the buyer to our fail route (`/fail?code=&message=`). Unauthenticated and unverifiable, so it changes
   * nothing (a forged one could otherwise fail a genuine issuance): the buyer goes to failUrl with the key's status.
   */
  async failFromGateway(id: string): Promise<string | null> {
    const key = (await this.repo.findManyByIds([id]))[0];
    if (!key || !this.isRedirectIssuance(key)) return null;
    return this.landing(key, key.status === 'active' ? 'success' : 'fail');
  }

  private isRedirectIssuance(key: BillingKey): boolean {
    if (!this.registry.has(key.gateway) || !key.successUrl || !key.failUrl) return false;
    return billingKeyFlowOf(this.registry.get(key.gateway).descriptor) === 'redirect';
  }

  private landing(key: BillingKey, to: 'success' | 'fail' = key.status === 'active' ? 'success' : 'fail'): string {
    const url = new URL((to === 'success' ? key.successUrl : key.failUrl)!);
    url.searchParams.set('billingKeyId', key.id);
    url.searchParams.set('status', key.status);
    return url.toString();
  }
}

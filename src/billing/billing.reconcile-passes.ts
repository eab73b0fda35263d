import { Inject, Injectable, Logger } from '@nestjs/common';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { billingConfig, type BillingConfig } from '../config/configuration';
import { WebhookReceivers } from '../webhooks/webhook-receivers';

/**
 * The reconciler's passes beside the charges' look-ups: webhook pointers kept for it (every gateway's, each within
 * its merchant's re-fetch budget), billing keys left pending past the grace period, and the expiry of remembered webhook
 * deliveries. Each pass is bounded; one failing is logged and never fails the billing run.
 */
@Injectable()
export class ReconcilePasses {
  private readonly logger = new Logger(ReconcilePasses.name);

  constructor(
    private readonly billingKeys: BillingKeysService,
    @Inject(billingConfig.KEY) private readonly config: BillingConfig,
    private readonly receivers: WebhookReceivers,
  ) {}

  async run(merchantId?: string): Promise<void> {
    const passes: Array<[string, () => Promise<unknown>]> = [
      ['webhook_pointers', () => this.receivers.drainAll(merchantId)],
      [
        'pending_billing_keys',
        () =>
          this.billingKeys.reconcilePending({
            graceMs: this.config.pendingKeyGraceMs,
            backoffMs: this.config.reconcileBackoffMs,
            limit: this.config.batchSize,
            ...(merchantId ? { merchantId } : {}),
          }),
      ],
      ['webhook_event_cleanup', () => this.receivers.cleanupAll()],
    ];
    for (const [pass, fn] of passes) {
      try {
        const result = await fn();
        this.logger.log({ merchantId, pass, result }, 'reconciler pass');
      } catch (err) {
        this.logger.error(
          { merchantId, pass, err: (err as Error).message },
          'reconciler pass failed; the next run retries',
        );
      }
    }
  }
}

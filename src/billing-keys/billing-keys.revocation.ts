import type { Logger } from '@nestjs/common';
import { hasCapability, type AdapterWith } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { BillingKey } from './billing-key.entity';
import type { BillingKeysRepository } from './billing-keys.repository';

/**
 * The PG side of revocation, owned by BillingKeysService: a key revoked here is deleted at its PG, and only a
 * confirmed deletion clears `revokePendingAtPg` (a timeout or refusal leaves it for a repeated DELETE to retry).
 */
export class BillingKeyRevocation {
  constructor(
    private readonly repo: BillingKeysRepository,
    private readonly credentials: GatewayCredentialsService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Deletes a revoked key at the PG (the PG's own key); only a confirmed deletion clears `revokePendingAtPg`. */
  async deleteAtGateway(adapter: AdapterWith<'billingKeys'>, key: BillingKey): Promise<void> {
    if (!hasCapability(adapter.descriptor, 'billingKeyDeletion') || !adapter.deleteBillingKey) return;
    const creds = await this.credentials.for(key.merchantId, key.gateway);
    const outcome = await adapter.deleteBillingKey(creds, {
      billingKey: key.gatewayBillingKey ?? key.customerUid,
      issuedAs: key.customerUid,
      reason: 'revoked by merchant',
    });
    if (outcome.status === 'DELETED') {
      await this.repo.update(key.merchantId, key.id, { revokePendingAtPg: false, updatedAt: this.clock.now() });
      return;
    }
    this.logger.warn(
      {
        merchantId: key.merchantId,
        billingKeyId: key.id,
        gateway: key.gateway,
        outcome: outcome.status,
        code: 'code' in outcome ? outcome.code : undefined,
      },
      'billing key revoked here; deletion at the PG not confirmed',
    );
  }
}

import type { Logger } from '@nestjs/common';
import type { BillingKeyOutcome } from '@app/pg-contract';
import type { Counter } from 'prom-client';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { BillingKey } from './billing-key.entity';
import type { BillingKeysRepository } from './billing-keys.repository';

/** A pointer for the adapter's completeBillingKey (see CompleteBillingKeyInput.pointer). */
export type Pointer = Readonly<Record<string, string>>;

/** Where a completion came from: the merchant's API call (errors are answered), a webhook or the reconciler (nothing to answer). */
export type CompletionSource = 'api' | 'webhook' | 'reconciler' | 'return';

/** Failed completions that say the pointer was wrong, not that the issuance failed: the key stays pending. */
const POINTER_FAILURES = new Set(['REFERENCE_MISMATCH', 'PAYMENT_NOT_FOUND', 'INVALID_POINTER']);

/**
 * The one compare-and-set state machine every completion goes through (API call, webhook, reconciler, redirect
 * return): pending → active | failed, from the adapter's verdict. Owned by BillingKeysService.
 */
export class BillingKeyOutcomes {
  constructor(
    private readonly repo: BillingKeysRepository,
    private readonly clock: Clock,
    private readonly transitions: Counter<'gateway' | 'to' | 'source'>,
    private readonly logger: Logger,
  ) {}

  /** Applies the adapter's verdict on a pending key. True when the key changed state. */
  async apply(key: BillingKey, outcome: BillingKeyOutcome, source: CompletionSource): Promise<boolean> {
    const log = {
      merchantId: key.merchantId,
      billingKeyId: key.id,
      gateway: key.gateway,
      source,
      outcome: outcome.status,
    };
    const now = this.clock.now();
    switch (outcome.status) {
      case 'ACTIVE': {
        const won = await this.repo.transition(key.merchantId, key.id, ['pending'], {
          status: 'active',
          activatedAt: now,
          updatedAt: now,
          gatewayPaymentId: outcome.gatewayPaymentId ?? null,
          // The PG's own key where it mints one; charges and deletes send it (our minted id is `issuedAs`).
          gatewayBillingKey: outcome.gatewayBillingKey ?? null,
        });
        if (won) {
          this.transitions.inc({ gateway: key.gateway, to: 'active', source });
          this.logger.log(log, 'billing key active');
        }
        return won;
      }
      case 'FAILED': {
        if (POINTER_FAILURES.has(outcome.code)) {
          this.logger.warn(
            { ...log, code: outcome.code },
            'billing key pointer does not match the issuance; key unchanged',
          );
          if (source === 'api')
            throw new DomainError('BILLING_KEY_POINTER_MISMATCH', 'The pointer is not this billing key issuance');
          return false;
        }
        const won = await this.repo.transition(key.merchantId, key.id, ['pending'], {
          status: 'failed',
          failureCode: outcome.code.slice(0, 64),
          failureMessage: outcome.message.slice(0, 500),
          updatedAt: now,
          gatewayPaymentId: outcome.gatewayPaymentId ?? null,
        });
        if (won) {
          this.transitions.inc({ gateway: key.gateway, to: 'failed', source });
          this.logger.log({ ...log, code: outcome.code }, 'billing key issuance failed');
        }
        return won;
      }
      case 'PENDING':
        // The PG has not decided: the key stays pending; a webhook or another completion call settles it.
        return false;
      case 'NOT_SENT':
      case 'UNKNOWN':
        this.logger.warn({ ...log, reason: outcome.reason }, 'billing key completion could not reach a verdict');
        if (source === 'api') {
          throw new DomainError(
            'GATEWAY_UNAVAILABLE',
            'The payment gateway could not confirm the issuance; the key stays pending: retry the completion',
          );
        }
        return false;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { BillingKey } from './billing-key.entity';
import { BillingKeysRepository } from './billing-keys.repository';

@Injectable()
export class BillingKeysService {
  constructor(private readonly repo: BillingKeysRepository) {}

  /** The merchant's key or a 404 (another merchant's key answers exactly like a missing one). */
  async get(merchantId: string, id: string): Promise<BillingKey> {
    const key = await this.repo.findForMerchant(merchantId, id);
    if (!key) throw new NotFoundError('Billing key');
    return key;
  }

  /** For charges: the merchant's key, only when active. A revoked, failed or pending key is never charged. */
  async requireChargeable(merchantId: string, billingKeyId: string): Promise<BillingKey> {
    const key = await this.get(merchantId, billingKeyId);
    if (key.status !== 'active') {
      throw new DomainError('BILLING_KEY_NOT_ACTIVE', `Billing key is ${key.status}, not active`, [{ status: key.status }]);
    }
    return key;
  }
}

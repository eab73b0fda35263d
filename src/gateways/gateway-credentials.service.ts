import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { sandboxPortoneKeys, sandboxTossKeys } from '@app/pg-sandbox';
import { DomainError } from '../common/errors/domain.error';
import { pgConfig, type PgConfig } from '../config/configuration';
import { MerchantsService } from '../merchants/merchants.service';

export interface TossCredentials {
  clientKey: string;
  secretKey: string;
  /** True when these are the PG sandbox's keys (no real money can move). */
  sandbox: boolean;
}

export interface PortoneCredentials {
  userCode: string;
  impKey: string;
  impSecret: string;
  /** The merchant's PayPal account id at PortOne (`pg: paypal_v2.<id>`), when set with the credentials. */
  paypalAccountId?: string;
  sandbox: boolean;
}

/**
 * The credentials a PG call for a merchant uses: the merchant's own (decrypted), or, in sandbox mode only, the
 * sandbox's deterministic per-merchant account so `npm start` works with no keys. Outside sandbox mode a merchant
 * without credentials gets GATEWAY_NOT_CONFIGURED before anything is sent.
 */
@Injectable()
export class GatewayCredentialsService {
  constructor(
    private readonly merchants: MerchantsService,
    @Inject(pgConfig.KEY) private readonly pg: PgConfig,
  ) {}

  async toss(merchantId: string): Promise<TossCredentials> {
    const own = await this.merchants.credentialsFor<Omit<TossCredentials, 'sandbox'>>(merchantId, 'toss-foreign-pay');
    if (own) return { clientKey: own.clientKey, secretKey: own.secretKey, sandbox: this.pg.sandbox && own.secretKey.startsWith('test_') };
    const { clientKey, secretKey } = sandboxTossKeys(this.sandboxAccount(merchantId, 'toss-foreign-pay'));
    return { clientKey, secretKey, sandbox: true };
  }

  async portone(merchantId: string): Promise<PortoneCredentials> {
    const own = await this.merchants.credentialsFor<Omit<PortoneCredentials, 'sandbox'>>(merchantId, 'portone-paypal-rt');
    if (own) return { ...own, sandbox: this.pg.sandbox };
    return { ...sandboxPortoneKeys(this.sandboxAccount(merchantId, 'portone-paypal-rt')), sandbox: true };
  }

  /** The sandbox account a merchant without credentials uses (also what tests pass to the sandbox's control API). */
  sandboxAccount(merchantId: string, gateway: string): string {
    if (!this.pg.sandbox) {
      throw new DomainError('GATEWAY_NOT_CONFIGURED', `No ${gateway} credentials configured: PUT /v1/merchants/me/gateways/${gateway}`);
    }
    return sandboxAccountOf(merchantId);
  }
}

/** Sandbox account names are [A-Za-z0-9-]{1,40}; a digest of the merchant id is stable and never collides in practice. */
export function sandboxAccountOf(merchantId: string): string {
  return `m${createHash('sha256').update(merchantId).digest('hex').slice(0, 24)}`;
}

import { Inject, Injectable } from '@nestjs/common';
import { GatewayRegistry, PG_SANDBOX_PLUGINS, type SandboxPluginRegistration } from '@app/pg-contract';
import { sandboxAccountOf } from '@app/pg-sandbox';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { pgConfig, type PgConfig } from '../config/configuration';
import { MerchantsService } from '../merchants/merchants.service';

export { sandboxAccountOf };

/**
 * The credentials a PG call for a merchant uses, by gateway code: the merchant's own (decrypted, checked by the
 * adapter's `checkCredentials`), or, in sandbox mode only, what the gateway's sandbox plugin (from its registration
 * entry) gives a merchant without its own, so `npm start` works with no keys. Outside sandbox mode a merchant without
 * credentials gets GATEWAY_NOT_CONFIGURED before anything is sent. Nothing here knows any gateway.
 */
@Injectable()
export class GatewayCredentialsService {
  constructor(
    private readonly merchants: MerchantsService,
    private readonly registry: GatewayRegistry,
    @Inject(PG_SANDBOX_PLUGINS) private readonly plugins: ReadonlyMap<string, SandboxPluginRegistration>,
    @Inject(pgConfig.KEY) private readonly pg: PgConfig,
  ) {}

  /** The credentials of `merchantId` at gateway `gateway`, typed by the caller as its adapter takes them. */
  async for<C = unknown>(merchantId: string, gateway: string): Promise<C> {
    if (!this.registry.has(gateway)) throw new NotFoundError('Gateway');
    const adapter = this.registry.get(gateway);
    const plugin = this.pg.sandbox ? this.plugins.get(gateway) : undefined;
    const own = await this.merchants.credentialsFor<object>(merchantId, gateway);
    if (own) {
      const checked = adapter.checkCredentials
        ? adapter.checkCredentials(own)
        : ({ ok: true, credentials: own } as const);
      if (!checked.ok) {
        // Stored before the adapter's schema changed: refused before anything is sent, never guessed at.
        throw new DomainError(
          'GATEWAY_CREDENTIALS_INVALID',
          `The stored ${gateway} credentials are no longer valid: PUT /v1/merchants/me/gateways/${gateway}`,
        );
      }
      return (plugin?.ownCredentials ? plugin.ownCredentials(checked.credentials) : checked.credentials) as C;
    }
    if (!plugin) throw notConfigured(gateway);
    return plugin.sandboxCredentials(merchantId) as C;
  }

  /** The sandbox account a merchant without credentials uses (also what tests pass to the sandbox's control API). */
  sandboxAccount(merchantId: string, gateway: string): string {
    if (!this.pg.sandbox) throw notConfigured(gateway);
    return sandboxAccountOf(merchantId);
  }
}

function notConfigured(gateway: string): DomainError {
  return new DomainError(
    'GATEWAY_NOT_CONFIGURED',
    `No ${gateway} credentials configured: PUT /v1/merchants/me/gateways/${gateway}`,
  );
}

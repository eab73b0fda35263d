import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { pageParams, toPage, type Page } from '../common/pagination';
import { newApiKeyRow, toApiKeyDto } from './api-keys.rows';
import { ApiKeysRepository } from './api-keys.repository';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { MerchantsService } from './merchants.service';

/** Active keys a merchant may hold at once: room to rotate, not a place to mint one key per request. */
export const MAX_ACTIVE_API_KEYS = 20;

/** Several keys per merchant: create (shown once), list masked, revoke without downtime (never the last one). */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repo: ApiKeysRepository,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
  ) {}

  async create(merchantId: string): Promise<CreatedApiKeyDto> {
    // A soft cap (two concurrent creations may both pass at MAX - 1); it bounds growth, it guards no invariant.
    if ((await this.repo.countActive(merchantId)) >= MAX_ACTIVE_API_KEYS) {
      throw new DomainError(
        'API_KEY_LIMIT_REACHED',
        `A merchant holds at most ${MAX_ACTIVE_API_KEYS} active API keys: revoke one first`,
      );
    }
    const { plain, ...row } = newApiKeyRow(merchantId, this.clock.now());
    await this.repo.insert(row);
    return { id: row.id, apiKey: plain, key: toApiKeyDto(row) };
  }

  async list(merchantId: string, query: { limit?: number; cursor?: string }): Promise<Page<ApiKeyDto>> {
    const page = pageParams(query);
    return toPage(await this.repo.list(merchantId, page), page.limit, toApiKeyDto);
  }

  /**
   * Revoked at once: from the commit on, the key authenticates nowhere that reads the database, and this instance
   * drops it from its auth cache; another instance may accept it from its cache until that entry expires
   * (MerchantsService's AUTH_CACHE_TTL_MS). Revoking a revoked key changes nothing; the last active key is 409.
   */
  async revoke(merchantId: string, id: string): Promise<void> {
    const result = await this.repo.revokeUnlessLast(merchantId, id, this.clock.now());
    if (result === 'not_found') throw new NotFoundError('API key');
    if (result === 'last_key') {
      throw new DomainError('LAST_API_KEY', 'This is the last active API key: create another before revoking it');
    }
    const key = await this.repo.findForMerchant(merchantId, id);
    if (key) this.merchants.forgetKey(key.keyHash);
  }
}

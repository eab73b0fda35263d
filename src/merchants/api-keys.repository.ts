import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { ApiKey } from './api-key.entity';
import { Merchant } from './merchant.entity';

export type RevokeResult = 'revoked' | 'already_revoked' | 'not_found' | 'last_key';

/** A merchant's API keys; every read but the guard's look-up by hash is scoped by merchant. */
@Injectable()
export class ApiKeysRepository {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** A new merchant and its first key, together or not at all. */
  async insertMerchantWithKey(merchant: Merchant, key: ApiKey): Promise<Merchant> {
    return this.dataSource.manager.transaction(async (m) => {
      await m.insert(Merchant, merchant);
      await m.insert(ApiKey, key);
      return merchant;
    });
  }

  async insert(key: ApiKey): Promise<ApiKey> {
    await this.keys.insert(key);
    return key;
  }

  /** The guard's look-up: an active key by its hash, whoever's it is. */
  findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ keyHash, revokedAt: IsNull() });
  }

  countActive(merchantId: string): Promise<number> {
    return this.keys.countBy({ merchantId, revokedAt: IsNull() });
  }

  /** Newest first, up to `limit + 1` rows (see keysetPage). */
  list(merchantId: string, page: { limit: number; after?: CursorPosition }): Promise<ApiKey[]> {
    return keysetPage(this.keys.createQueryBuilder('k'), { merchantId, ...page });
  }

  findForMerchant(merchantId: string, id: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ merchantId, id });
  }

  /**
   * Revokes one key unless it is the merchant's last active one. The merchant row is locked first on PostgreSQL, so two
   * revocations of a merchant's last two keys take turns and the second sees one left (SQLite transactions already
   * take turns: see serializeSqliteTransactions).
   */
  revokeUnlessLast(merchantId: string, id: string, now: Date): Promise<RevokeResult> {
    return this.dataSource.manager.transaction(async (m) => {
      if (m.connection.driver.options.type === 'postgres') {
        await m.query('SELECT id FROM merchants WHERE id = $1 FOR UPDATE', [merchantId]);
      }
      const key = await m.findOneBy(ApiKey, { merchantId, id });
      if (!key) return 'not_found';
      if (key.revokedAt) return 'already_revoked';
      if ((await m.countBy(ApiKey, { merchantId, revokedAt: IsNull() })) <= 1) return 'last_key';
      await m.update(ApiKey, { merchantId, id, revokedAt: IsNull() }, { revokedAt: now });
      return 'revoked';
    });
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt: now });
  }
}

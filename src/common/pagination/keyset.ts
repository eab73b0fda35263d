import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, type CursorPosition } from './cursor';
import { DEFAULT_PAGE_LIMIT } from './page-query.dto';

export interface KeysetOptions {
  merchantId: string;
  /** The position the previous page ended at (`pageParams` decodes it from `?cursor=`). */
  after?: CursorPosition;
  limit: number;
  /** Equality filters by property name; undefined values are left out. */
  filters?: Record<string, string | boolean | undefined>;
}

/**
 * One page of a merchant's rows, newest first, by keyset: `merchant_id = :m [AND filter = :f…] AND
 * (created_at, id) < (:c, :i) ORDER BY created_at DESC, id DESC LIMIT n + 1`. The row-value comparison is what keeps a
 * deep page as cheap as the first on both engines: PostgreSQL and SQLite (3.15+) both turn it into a range on an
 * index ending in (created_at, id), where the equivalent OR form is a filter PostgreSQL applies row by row. The
 * (merchant_id, [filters,] created_at, id) indexes are in migration 1764201600060.
 *
 * Returns `limit + 1` rows at most: pass them to `toPage`.
 */
export async function keysetPage<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  options: KeysetOptions,
): Promise<E[]> {
  const alias = qb.alias;
  const limit = options.limit;
  qb.where(`${alias}.merchantId = :pageMerchantId`, { pageMerchantId: options.merchantId });
  for (const [property, value] of Object.entries(options.filters ?? {})) {
    if (value === undefined) continue;
    qb.andWhere(`${alias}.${property} = :page_${property}`, { [`page_${property}`]: value });
  }
  const after = options.after;
  if (after) {
    qb.andWhere(`(${alias}.createdAt, ${alias}.id) < (:pageAt, :pageId)`, {
      pageAt: after.createdAt,
      pageId: after.id,
    });
  }
  // limit(), not take(): no joins here, and take() would wrap the query in a DISTINCT sub-select.
  return qb
    .orderBy(`${alias}.createdAt`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(limit + 1)
    .getMany();
}

/** `?limit=&cursor=` as the repositories take them (the default limit applied, the cursor decoded or refused). */
export function pageParams(query: { limit?: number; cursor?: string }): { limit: number; after?: CursorPosition } {
  return {
    limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
  };
}

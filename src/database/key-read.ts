// Kept (issue 25): an interleaved A/B showed plain findOneBy costing far more CPU per key read; figures in BENCHMARKS.md.
import type { EntityManager, ObjectLiteral, Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * A read of one row by a fixed set of equality columns (a merchant-scoped primary-key read), for hot paths.
 * TypeORM's `findOneBy` rebuilds its query on every call (query builder, alias expansion, a regex pass over the SQL),
 * which was most of what the app spent beyond a bare server on `GET /v1/subscriptions/{id}`. Here the SQL is built
 * once from the entity's metadata and rows are hydrated with the driver's own conversions (`prepareHydratedValue`,
 * which applies column transformers), so the entity is the one `findOneBy` returns.
 * Entities with relations are not supported (none of ours loads one on a key read): the constructor refuses them.
 */
export class KeyRead<E extends ObjectLiteral> {
  private readonly sql: string;
  private readonly select: string;
  /**
   * Every column, aliased as {@link hydrate} expects: for another statement that returns whole rows of this entity
   * (`UPDATE … RETURNING <columnList>`), so they need no second read.
   */
  readonly columnList: string;
  private readonly columns: readonly ColumnMetadata[];

  constructor(
    private readonly repo: Repository<E>,
    private readonly by: readonly (keyof E & string)[],
  ) {
    const meta = repo.metadata;
    if (meta.relations.length > 0 || meta.embeddeds.length > 0)
      throw new Error(`KeyRead: ${meta.name} has relations or embeddeds`);
    const driver = repo.manager.connection.driver;
    this.columns = meta.columns.filter((c) => !c.isVirtual);
    const where = by.map((prop, i) => {
      const column = meta.findColumnWithPropertyName(prop);
      if (!column) throw new Error(`KeyRead: ${meta.name} has no property ${prop}`);
      return `${driver.escape(column.databaseName)} = ${driver.createParameter(`p${i}`, i)}`;
    });
    this.columnList = this.columns
      .map((c, i) => `${driver.escape(c.databaseName)} AS ${driver.escape(`c${i}`)}`)
      .join(', ');
    this.select = `SELECT ${this.columnList} FROM ${driver.escape(meta.tableName)} WHERE `;
    this.sql = `${this.select}${where.join(' AND ')} LIMIT 1`;
  }

  /** The row whose `by` columns equal `values` (same order), or null. */
  async one(...values: unknown[]): Promise<E | null> {
    if (values.length !== this.by.length) throw new Error('KeyRead: wrong number of values');
    const rows = (await this.repo.query(this.sql, values)) as Record<string, unknown>[];
    return rows.length === 0 ? null : this.hydrate(rows[0]);
  }

  /**
   * Every row whose single `by` column is one of `values` (a batch's charges by merchant_uid), hydrated here because
   * TypeORM's hydration of a whole batch is one long stretch of the event loop. Chunked to keep the bound parameters
   * well inside both engines' limits.
   * `manager` reads inside that transaction. `lock`, on PostgreSQL, locks the rows for the rest of the transaction in
   * `by` order (`ORDER BY … FOR UPDATE` locks as it returns rows, so batches locking this way cannot deadlock); SQLite
   * has no row locks, its writers are serialised (sqlite-transactions.ts).
   */
  async many(values: readonly unknown[], opts: { manager?: EntityManager; lock?: boolean } = {}): Promise<E[]> {
    if (this.by.length !== 1) throw new Error('KeyRead: many() reads by exactly one column');
    const out: E[] = [];
    const driver = this.repo.manager.connection.driver;
    const manager = opts.manager ?? this.repo.manager;
    const meta = this.repo.metadata.findColumnWithPropertyName(this.by[0])!;
    const column = driver.escape(meta.databaseName);
    // PostgreSQL: one array parameter (`= ANY($1)`, a JS array node-postgres serialises, as bulk-update's are), not one
    // parameter per value, each of which node-postgres and the server handle on its own.
    const postgres = driver.options.type === 'postgres';
    const lock = opts.lock && postgres;
    const type = postgres ? driver.normalizeType(meta) : '';
    // Byte order ("C"), the order of the JS sort that splits the chunks, whatever the database's collation: one order
    // for every batch.
    const collate = /char|text/.test(type) ? ' COLLATE "C"' : '';
    const suffix = lock ? ` ORDER BY ${column}${collate} FOR UPDATE` : '';
    const keys = lock ? [...new Set(values)].sort() : values;
    for (let start = 0; start < keys.length; start += MANY_CHUNK) {
      const chunk = keys.slice(start, start + MANY_CHUNK);
      const [sql, params] = postgres
        ? [`${this.select}${column} = ANY($1::${type}[])${suffix}`, [chunk]]
        : [
            `${this.select}${column} IN (${chunk.map((_, i) => driver.createParameter(`p${i}`, i)).join(', ')})${suffix}`,
            chunk,
          ];
      for (const raw of (await manager.query(sql, params)) as Record<string, unknown>[]) out.push(this.hydrate(raw));
    }
    return out;
  }

  /** The entity from a row selected or returned through {@link columnList}. */
  hydrate(raw: Record<string, unknown>): E {
    const driver = this.repo.manager.connection.driver;
    const entity = this.repo.metadata.create() as E;
    this.columns.forEach((c, i) => c.setEntityValue(entity, driver.prepareHydratedValue(raw[`c${i}`], c)));
    return entity;
  }
}

const MANY_CHUNK = 500;

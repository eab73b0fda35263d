import type { ObjectLiteral, Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * A read of one row by a fixed set of equality columns (a merchant-scoped primary-key read), for hot paths.
 * TypeORM's `findOneBy` rebuilds its query on every call (query builder, alias expansion, a regex pass over the SQL):
 * ≈ 60 µs of main thread per read, most of what the app spent beyond a bare server on `GET /v1/subscriptions/{id}`
 * (BENCHMARKS.md). Here the SQL is built once from the entity's metadata and rows are hydrated with the driver's own
 * conversions (`prepareHydratedValue`, which applies column transformers), so the entity is the one `findOneBy` returns.
 * Entities with relations are not supported (none of ours loads one on a key read): the constructor refuses them.
 */
export class KeyRead<E extends ObjectLiteral> {
  private readonly sql: string;
  private readonly columns: readonly ColumnMetadata[];

  constructor(
    private readonly repo: Repository<E>,
    private readonly by: readonly (keyof E & string)[],
  ) {
    const meta = repo.metadata;
    if (meta.relations.length > 0 || meta.embeddeds.length > 0) throw new Error(`KeyRead: ${meta.name} has relations or embeddeds`);
    const driver = repo.manager.connection.driver;
    this.columns = meta.columns.filter((c) => !c.isVirtual);
    const where = by.map((prop, i) => {
      const column = meta.findColumnWithPropertyName(prop);
      if (!column) throw new Error(`KeyRead: ${meta.name} has no property ${prop}`);
      return `${driver.escape(column.databaseName)} = ${driver.createParameter(`p${i}`, i)}`;
    });
    const select = this.columns.map((c, i) => `${driver.escape(c.databaseName)} AS ${driver.escape(`c${i}`)}`).join(', ');
    this.sql = `SELECT ${select} FROM ${driver.escape(meta.tableName)} WHERE ${where.join(' AND ')} LIMIT 1`;
  }

  /** The row whose `by` columns equal `values` (same order), or null. */
  async one(...values: unknown[]): Promise<E | null> {
    if (values.length !== this.by.length) throw new Error('KeyRead: wrong number of values');
    const rows = (await this.repo.query(this.sql, values)) as Record<string, unknown>[];
    if (rows.length === 0) return null;
    const driver = this.repo.manager.connection.driver;
    const entity = this.repo.metadata.create() as E;
    const raw = rows[0];
    this.columns.forEach((c, i) => c.setEntityValue(entity, driver.prepareHydratedValue(raw[`c${i}`], c)));
    return entity;
  }
}

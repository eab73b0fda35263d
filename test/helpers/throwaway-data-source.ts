import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type EntitySchema } from 'typeorm';
import { readEnv } from '../../src/config/configuration';
import { serializeSqliteTransactions } from '../../src/database/sqlite-transactions';

/**
 * Tables for the given entities on the engine the suite runs on: SQLite in memory, or a fresh PostgreSQL schema
 * (CI's PostgreSQL run) dropped by `drop()`. For specs of database helpers and repositories that need no migrations.
 * SQLite's transactions are serialized as the app's are (app.module.ts), so concurrent transactions behave alike.
 */
export async function throwawayDataSource(
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
  entities: Array<Function | EntitySchema>,
): Promise<{ ds: DataSource; drop: () => Promise<void> }> {
  const url = readEnv().DATABASE_URL;
  if (!url) {
    const ds = serializeSqliteTransactions(
      await new DataSource({
        type: 'better-sqlite3',
        database: ':memory:',
        entities,
        synchronize: true,
      }).initialize(),
    );
    return { ds, drop: () => ds.destroy() };
  }
  const schema = `spec_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const ds = await new DataSource({
    type: 'postgres',
    url,
    schema,
    entities,
    synchronize: true,
    extra: { options: `-c search_path=${schema}` },
  }).initialize();
  return {
    ds,
    drop: async () => {
      await ds.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/configuration';
import { entities } from './entities';
import { migrations } from './migrations';

/** The one DataSource options builder, shared by the app (TypeOrmModule) and the CLI (ormconfig.ts). */
export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    entities,
    migrations,
    migrationsRun: db.migrationsRun,
    logging: db.logging,
    synchronize: false,
  } as const;
  if (db.kind === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: db.url,
      schema: db.schema,
      poolSize: db.poolSize,
      // A fixed search_path keeps unqualified SQL (and migrations) inside the configured schema.
      extra: db.schema ? { options: `-c search_path=${db.schema}` } : {},
    };
  }
  if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    // WAL lets readers proceed during a write; busy_timeout waits instead of failing on a locked database.
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      conn.pragma('journal_mode = WAL');
      conn.pragma('busy_timeout = 5000');
      conn.pragma('foreign_keys = ON');
    },
  };
}

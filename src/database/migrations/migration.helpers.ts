import type { QueryRunner, TableColumnOptions } from 'typeorm';

/** Same portable types as ../columns.ts, chosen from the connection the migration runs on. */
export function timestampColumn(q: QueryRunner, name: string, nullable = false): TableColumnOptions {
  const pg = q.connection.driver.options.type === 'postgres';
  return { name, type: pg ? 'timestamptz' : 'datetime', isNullable: nullable };
}
export function idColumn(name: string, primary = false): TableColumnOptions {
  return { name, type: 'varchar', length: '40', isPrimary: primary };
}
export function moneyColumn(name: string, nullable = false): TableColumnOptions {
  return { name, type: 'bigint', isNullable: nullable };
}

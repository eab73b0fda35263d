import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';
import { databaseKind } from '../config/configuration';

/**
 * Column helpers that keep one entity definition portable between PostgreSQL and SQLite. The engine is fixed per
 * process (DATABASE_URL set or not) before entities load.
 */
const pg = () => databaseKind() === 'postgres';

/** Instants: `timestamptz` on PostgreSQL (lease comparisons use database time), `datetime` on SQLite. */
export function TimestampColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ ...options, type: pg() ? 'timestamptz' : 'datetime' } as ColumnOptions);
}

/** Money in minor units: bigint in the database, a safe JS integer in code (pg returns bigint as a string). */
export const bigintToNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};
export function MoneyColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ ...options, type: 'bigint', transformer: bigintToNumber } as ColumnOptions);
}

/** Structured data we only read back whole: JSON text on both engines. */
export function JsonColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ ...options, type: 'simple-json' } as ColumnOptions);
}

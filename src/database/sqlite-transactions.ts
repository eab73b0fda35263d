import type { DataSource, EntityManager } from 'typeorm';

// Kept: no library or TypeORM option serialises better-sqlite3 transactions; patching the manager covers every caller.

/**
 * TypeORM's better-sqlite3 driver runs everything on one connection, so two transactions in flight at once nest (the
 * second becomes a SAVEPOINT inside the first, committed or rolled back with it). This makes the data source's
 * transactions take turns, whichever module starts them; PostgreSQL (a pool, one connection per transaction) is left
 * alone. Code inside a transaction must use the manager it is given, never start another one on the data source.
 */
export function serializeSqliteTransactions(ds: DataSource): DataSource {
  if (ds.options.type !== 'better-sqlite3') return ds;
  const manager = ds.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let turn: Promise<unknown> = Promise.resolve();
  manager.transaction = ((...args: unknown[]) => {
    const run = turn.then(() => transaction(...args));
    turn = run.catch(() => undefined);
    return run;
  }) as EntityManager['transaction'];
  return ds;
}

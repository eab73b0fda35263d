import { DataSource } from 'typeorm';
import { serializeSqliteTransactions } from './sqlite-transactions';

describe('serializeSqliteTransactions', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = serializeSqliteTransactions(
      await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize(),
    );
    await ds.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  });
  afterAll(() => ds.destroy());

  it('runs concurrent transactions one after the other, so a rollback never takes another one’s writes with it', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = ds.transaction(async (m) => {
      order.push('A begins');
      await m.query("INSERT INTO t (id, v) VALUES (1, 'a')");
      await gate;
      order.push('A fails');
      throw new Error('A rolls back');
    });
    const second = ds.manager.transaction(async (m) => {
      order.push('B begins');
      await m.query("INSERT INTO t (id, v) VALUES (2, 'b')");
    });
    // better-sqlite3 answers within the turn: a few event-loop turns are enough for B to begin if nothing held it.
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['A begins']);
    release();
    await expect(first).rejects.toThrow('A rolls back');
    await second;
    expect(order).toEqual(['A begins', 'A fails', 'B begins']);
    // Unserialized, B would have been a savepoint inside A and rolled back with it.
    expect(await ds.query('SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 2, v: 'b' }]);
  });
});

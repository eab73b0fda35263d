import { Client } from 'pg';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { readEnv } from '../config/configuration';
import { JsonColumn, MoneyColumn, TimestampColumn } from './columns';
import { KeyRead } from './key-read';

const onPostgres = readEnv().DATABASE_URL ? describe : describe.skip;

// A primary key whose collation orders case-insensitively ('a' < 'B'), as a database created with a language collation
// would: the lock order must still be the byte order the chunks are split in.
@Entity({ name: 'key_read_icu_things' })
class IcuThing {
  @PrimaryColumn({ type: 'varchar', length: 40, collation: 'und-x-icu' }) id: string;
}

@Entity({ name: 'key_read_things' })
class Thing {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ name: 'owner_id', type: 'varchar', length: 40 }) ownerId: string;
  @MoneyColumn() amount: number;
  @TimestampColumn({ name: 'settled_at', nullable: true }) settledAt: Date | null;
  @Column({ type: 'boolean', default: false }) flag: boolean;
  @Column({ type: 'integer', default: 0 }) version: number;
  @JsonColumn({ nullable: true }) meta: Record<string, unknown> | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) note: string | null;
}

describe('KeyRead', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ ds, drop } = await throwawayDataSource([Thing])));
  afterAll(() => drop());

  it('returns exactly the entity findOneBy returns, for every column kind, nulls included', async () => {
    const repo = ds.getRepository(Thing);
    await repo.save([
      Object.assign(new Thing(), {
        id: 'a',
        ownerId: 'm1',
        amount: 9_007_199_254,
        settledAt: new Date('2026-03-01T12:34:56.789Z'),
        flag: true,
        version: 3,
        meta: { k: ['v', 1] },
        note: 'x',
      }),
      Object.assign(new Thing(), {
        id: 'b',
        ownerId: 'm1',
        amount: 0,
        settledAt: null,
        flag: false,
        version: 0,
        meta: null,
        note: null,
      }),
    ]);
    const read = new KeyRead(repo, ['ownerId', 'id']);
    for (const id of ['a', 'b']) {
      const fast = await read.one('m1', id);
      expect(fast).toBeInstanceOf(Thing);
      expect(fast).toStrictEqual(await repo.findOneBy({ ownerId: 'm1', id }));
    }
    expect((await read.one('m1', 'a'))!.settledAt).toEqual(new Date('2026-03-01T12:34:56.789Z'));
    expect(typeof (await read.one('m1', 'a'))!.amount).toBe('number');
  });

  it('is scoped by every key column: another owner’s row is not found', async () => {
    const read = new KeyRead(ds.getRepository(Thing), ['ownerId', 'id']);
    expect(await read.one('m2', 'a')).toBeNull();
    expect(await read.one('m1', 'missing')).toBeNull();
  });

  it('reads many rows by one column, across chunks, each the entity findOneBy returns; none for an empty list', async () => {
    const repo = ds.getRepository(Thing);
    const extra = Array.from({ length: 1_100 }, (_, i) =>
      Object.assign(new Thing(), {
        id: `x${i}`,
        ownerId: 'm9',
        amount: i,
        settledAt: null,
        flag: i % 2 === 0,
        version: 1,
        meta: null,
        note: null,
      }),
    );
    await repo.save(extra, { chunk: 200 });
    const read = new KeyRead(repo, ['id']);
    const wanted = [...extra.map((t) => t.id), 'a', 'missing'];
    const got = await read.many(wanted);
    expect(got).toHaveLength(1_101);
    const byId = new Map(got.map((t) => [t.id, t]));
    expect(byId.get('x7')).toStrictEqual(await repo.findOneBy({ id: 'x7' }));
    expect(byId.get('a')).toStrictEqual(await repo.findOneBy({ id: 'a' }));
    expect(await read.many([])).toEqual([]);
    await expect(new KeyRead(repo, ['ownerId', 'id']).many(['a'])).rejects.toThrow(/exactly one column/);
  });

  it('refuses a property the entity does not have, and a call with the wrong number of values', async () => {
    expect(() => new KeyRead(ds.getRepository(Thing), ['nope' as never])).toThrow(/no property nope/);
    await expect(new KeyRead(ds.getRepository(Thing), ['id']).one('a', 'b')).rejects.toThrow(/wrong number/);
  });

  it('reads inside the given transaction and, with lock, reads each key once', async () => {
    const repo = ds.getRepository(Thing);
    const read = new KeyRead(repo, ['id']);
    await ds.transaction(async (m) => {
      await m.update(Thing, { id: 'a' }, { note: 'in-tx' });
      const got = await read.many(['b', 'a', 'b'], { manager: m, lock: true });
      expect(got.map((t) => t.id).sort()).toEqual(['a', 'b']);
      expect(got.find((t) => t.id === 'a')!.note).toBe('in-tx');
      await m.update(Thing, { id: 'a' }, { note: 'x' });
    });
  });
});

onPostgres('KeyRead.many with lock (PostgreSQL)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let other: Client;
  beforeAll(async () => {
    ({ ds, drop } = await throwawayDataSource([Thing, IcuThing]));
    other = new Client({ connectionString: readEnv().DATABASE_URL });
    await other.connect();
    const [{ schema }] = (await ds.query('SELECT current_schema() AS schema')) as { schema: string }[];
    await other.query(`SET search_path TO ${schema}`);
  });
  afterAll(async () => {
    await other.end();
    await drop();
  });

  it('locks the rows it read until the transaction ends, and only those', async () => {
    const repo = ds.getRepository(Thing);
    const row = (id: string) =>
      Object.assign(new Thing(), { id, ownerId: 'm1', amount: 1, settledAt: null, flag: false, version: 0 });
    await repo.save([row('l1'), row('l2'), row('free')]);
    const locked = (id: string) =>
      other.query('SELECT id FROM key_read_things WHERE id = $1 FOR UPDATE NOWAIT', [id]).then(
        () => false,
        (e: { code?: string }) => e.code === '55P03',
      );
    await ds.transaction(async (m) => {
      await new KeyRead(repo, ['id']).many(['l2', 'l1'], { manager: m, lock: true });
      expect(await locked('l1')).toBe(true);
      expect(await locked('l2')).toBe(true);
      expect(await locked('free')).toBe(false);
    });
    expect(await locked('l1')).toBe(false);
  });

  it('returns (and so locks) rows in byte order, the order of the chunks, whatever the column collation', async () => {
    const repo = ds.getRepository(IcuThing);
    await repo.save(['a', 'B', 'c', 'D'].map((id) => Object.assign(new IcuThing(), { id })));
    // The column's own order is case-insensitive: a, B, c, D.
    expect((await repo.find({ order: { id: 'ASC' } })).map((t) => t.id)).toEqual(['a', 'B', 'c', 'D']);
    const got = await ds.transaction((m) =>
      new KeyRead(repo, ['id']).many(['c', 'a', 'D', 'B'], { manager: m, lock: true }),
    );
    expect(got.map((t) => t.id)).toEqual(['B', 'D', 'a', 'c']);
  });
});

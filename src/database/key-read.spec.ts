import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { JsonColumn, MoneyColumn, TimestampColumn } from './columns';
import { KeyRead } from './key-read';

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
});

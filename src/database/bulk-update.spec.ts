import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { bulkInsert, bulkUpdate } from './bulk-update';
import { JsonColumn } from './columns';
import { MoneyColumn, TimestampColumn } from './columns';

@Entity({ name: 'bulk_things' })
class Thing {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ type: 'varchar', length: 16 }) status: string;
  @MoneyColumn() amount: number;
  @TimestampColumn({ name: 'settled_at', nullable: true }) settledAt: Date | null;
  @Column({ type: 'boolean', default: false }) flag: boolean;
  @Column({ type: 'integer', default: 0 }) version: number;
  @JsonColumn({ nullable: true }) tags: string[] | null;
}

const at = new Date('2026-03-01T12:34:56.789Z');
const thing = (id: string, over: Partial<Thing> = {}): Thing =>
  Object.assign(new Thing(), {
    id,
    status: 'sending',
    amount: 1999,
    settledAt: null,
    flag: false,
    version: 1,
    tags: null,
    ...over,
  });

describe('bulkUpdate / bulkInsert', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ ds, drop } = await throwawayDataSource([Thing])));
  afterAll(() => drop());
  beforeEach(() => ds.getRepository(Thing).clear());

  it('inserts many rows in chunks, leaves rows that conflict alone, and fills unset properties with the column default', async () => {
    await bulkInsert(ds.manager, Thing, [thing('a', { status: 'kept' })], { onConflict: 'ignore' });
    const rows = Array.from({ length: 250 }, (_, i) => thing(`t${i}`));
    const partial = Object.assign(new Thing(), { id: 'p', status: 'sending', amount: 5, settledAt: null }) as Thing;
    const inserted = await bulkInsert(ds.manager, Thing, [...rows, thing('a', { status: 'overwritten?' }), partial], {
      onConflict: 'ignore',
    });
    expect(await ds.getRepository(Thing).count()).toBe(252);
    // The ids of the rows inserted, across the statements of every chunk; not the one left alone.
    expect([...inserted].sort()).toEqual([...rows.map((r) => r.id), 'p'].sort());
    expect((await ds.getRepository(Thing).findOneByOrFail({ id: 'a' })).status).toBe('kept');
    expect(await ds.getRepository(Thing).findOneByOrFail({ id: 'p' })).toMatchObject({
      flag: false,
      version: 0,
      amount: 5,
    });
  });

  it("with onConflict 'error', a conflicting row fails the statement and its chunk inserts nothing", async () => {
    await bulkInsert(ds.manager, Thing, [thing('a', { status: 'kept' })], { onConflict: 'error' });
    await expect(
      bulkInsert(ds.manager, Thing, [thing('b'), thing('a', { status: 'overwritten?' })], { onConflict: 'error' }),
    ).rejects.toThrow();
    expect(await ds.getRepository(Thing).count()).toBe(1);
    expect((await ds.getRepository(Thing).findOneByOrFail({ id: 'a' })).status).toBe('kept');
  });

  it('writes every column as the repository would (timestamps, money, booleans, JSON), read back equal', async () => {
    const rows = [thing('j1', { settledAt: at, flag: true, tags: ['stc', '한글'] }), thing('j2', { tags: null })];
    await bulkInsert(ds.manager, Thing, rows, { onConflict: 'error' });
    const back = new Map((await ds.getRepository(Thing).find()).map((t) => [t.id, t]));
    expect(back.get('j1')).toEqual(rows[0]);
    expect(back.get('j2')).toEqual(rows[1]);
  });

  it('updates each row with its own values, only where the row matches and the shared condition holds; returns the ids updated', async () => {
    await bulkInsert(
      ds.manager,
      Thing,
      [thing('a'), thing('b'), thing('c', { status: 'succeeded' }), thing('d', { version: 2 })],
      { onConflict: 'ignore' },
    );
    const updated = await bulkUpdate(
      ds.manager,
      Thing,
      ['a', 'b', 'c', 'd', 'missing'].map((id, i) => ({
        match: { id, version: 1 },
        set: { status: 'succeeded', amount: 100 + i, settledAt: at, flag: i % 2 === 0 },
      })),
      "t.status IN ('sending')",
    );
    expect([...updated].sort()).toEqual(['a', 'b']);
    const byId = new Map((await ds.getRepository(Thing).find()).map((t) => [t.id, t]));
    expect(byId.get('a')).toMatchObject({ status: 'succeeded', amount: 100, flag: true, settledAt: at });
    expect(byId.get('b')).toMatchObject({ status: 'succeeded', amount: 101, flag: false, settledAt: at });
    expect(byId.get('c')).toMatchObject({ status: 'succeeded', amount: 1999 }); // the shared condition did not hold
    expect(byId.get('d')).toMatchObject({ status: 'sending', version: 2 }); // its own match did not hold
  });

  it('sets nulls, and works across chunk boundaries', async () => {
    const rows = Array.from({ length: 230 }, (_, i) => thing(`t${i}`, { settledAt: at }));
    await bulkInsert(ds.manager, Thing, rows, { onConflict: 'ignore' });
    const updated = await bulkUpdate(
      ds.manager,
      Thing,
      rows.map((r) => ({ match: { id: r.id }, set: { settledAt: null, status: 'failed' } })),
    );
    expect(updated.size).toBe(230);
    expect(await ds.getRepository(Thing).countBy({ status: 'failed' })).toBe(230);
    expect((await ds.getRepository(Thing).findOneByOrFail({ id: 't229' })).settledAt).toBeNull();
  });

  // PostgreSQL binds one array per column: each value travels inside an array (node-postgres quotes it).
  const awkward = ['', 'NULL', 'a,b', '{x}', 'say "hi"', 'back\\slash', "it's", ' padded ', '한글', '\\"'];

  it('round-trips values that an array literal would need to quote (quotes, backslashes, commas, braces, "NULL", empty)', async () => {
    const rows = awkward.map((status, i) => thing(`w${i}`, { status, tags: [status] }));
    await bulkInsert(ds.manager, Thing, rows, { onConflict: 'error' });
    const back = new Map((await ds.getRepository(Thing).find()).map((t) => [t.id, t]));
    for (const r of rows) expect(back.get(r.id)).toEqual(r);
    const updated = await bulkUpdate(
      ds.manager,
      Thing,
      rows.map((r, i) => ({
        match: { id: r.id, status: r.status },
        set: { status: awkward[(i + 1) % awkward.length] },
      })),
    );
    expect(updated.size).toBe(rows.length);
    const again = new Map((await ds.getRepository(Thing).find()).map((t) => [t.id, t.status]));
    rows.forEach((r, i) => expect(again.get(r.id)).toBe(awkward[(i + 1) % awkward.length]));
  });

  it('refuses a value longer than its column on PostgreSQL, as a single-row insert would (the arrays carry no length)', async () => {
    const long = thing('long', { status: 'x'.repeat(17) });
    if (ds.options.type === 'postgres')
      await expect(bulkInsert(ds.manager, Thing, [thing('ok'), long], { onConflict: 'error' })).rejects.toThrow(
        /too long/,
      );
    else await bulkInsert(ds.manager, Thing, [thing('ok'), long], { onConflict: 'error' }); // SQLite does not enforce lengths
    expect(await ds.getRepository(Thing).countBy({ id: 'ok' })).toBe(ds.options.type === 'postgres' ? 0 : 1);
  });

  it('refuses rows of different shapes (they would need different statements)', async () => {
    await expect(
      bulkUpdate(ds.manager, Thing, [
        { match: { id: 'a' }, set: { status: 'x' } },
        { match: { id: 'b' }, set: { status: 'x', flag: true } },
      ]),
    ).rejects.toThrow('rows differ in shape');
    await expect(bulkUpdate(ds.manager, Thing, [{ match: { id: 'a' }, set: { nope: 1 } }])).rejects.toThrow(
      'no property nope',
    );
  });
});

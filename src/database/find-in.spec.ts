import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { findIn } from './find-in';

@Entity({ name: 'find_in_things' })
class Thing {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ type: 'varchar', length: 40 }) uid: string;
}

describe('findIn', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ ds, drop } = await throwawayDataSource([Thing])));
  afterAll(() => drop());

  it('reads every row whose property is one of the values, across statement chunks, as entities', async () => {
    const repo = ds.getRepository(Thing);
    await repo.insert(Array.from({ length: 1_200 }, (_, i) => ({ id: `t${i}`, uid: `u${i}` })));
    const wanted = Array.from({ length: 1_100 }, (_, i) => `u${i + 50}`);
    const rows = await findIn(repo, 'uid', [...wanted, 'missing']);
    expect(rows.map((r) => r.uid).sort()).toEqual([...wanted].sort());
    expect(rows[0]).toBeInstanceOf(Thing);
    expect(await findIn(repo, 'id', [])).toEqual([]);
  });
});

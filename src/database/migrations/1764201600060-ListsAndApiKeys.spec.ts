import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { readEnv } from '../../config/configuration';
import { ListsAndApiKeys1764201600060 } from './1764201600060-ListsAndApiKeys';
import { migrations } from './index';

/** The schema just before 060, on the engine the suite runs on (SQLite in memory, or a fresh PostgreSQL schema). */
async function before060(): Promise<{ ds: DataSource; drop: () => Promise<void> }> {
  const earlier = migrations.filter((m) => m !== ListsAndApiKeys1764201600060);
  const url = readEnv().DATABASE_URL;
  if (!url) {
    const ds = await new DataSource({ type: 'better-sqlite3', database: ':memory:', migrations: earlier }).initialize();
    await ds.runMigrations();
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
    migrations: earlier,
    extra: { options: `-c search_path=${schema}` },
  }).initialize();
  await ds.runMigrations();
  return {
    ds,
    drop: async () => {
      await ds.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

describe('migration 1764201600060 (lists, plan archive, API keys)', () => {
  it("moves every merchant's creation key into api_keys, as its first key; down() undoes it all", async () => {
    const { ds, drop } = await before060();
    try {
      const hash = createHash('sha256').update('mk_creation-key', 'utf8').digest('hex');
      const pg = ds.options.type === 'postgres';
      const p = (n: number) => (pg ? `$${n}` : '?');
      const created = new Date('2026-11-20T08:00:00.000Z');
      await ds.query(
        `INSERT INTO merchants (id, name, industry, api_key_hash, api_key_prefix, created_at, updated_at) ` +
          `VALUES (${p(1)}, 'Old', 'saas', ${p(2)}, 'mk_creatio', ${p(3)}, ${p(4)})`,
        ['mch_AbCdEfGhIjKl', hash, ...Array(2).fill(pg ? created : '2026-11-20 08:00:00.000')],
      );
      const runner = ds.createQueryRunner();
      try {
        await new ListsAndApiKeys1764201600060().up(runner);
        const keys = (await ds.query('SELECT * FROM api_keys')) as Array<Record<string, unknown>>;
        expect(keys).toHaveLength(1);
        expect(keys[0]).toMatchObject({
          id: 'key_AbCdEfGhIjKl',
          merchant_id: 'mch_AbCdEfGhIjKl',
          key_hash: hash,
          prefix: 'mk_creatio',
          last4: null,
          last_used_at: null,
          revoked_at: null,
        });
        expect(
          new Date(pg ? (keys[0].created_at as Date) : `${String(keys[0].created_at).replace(' ', 'T')}Z`),
        ).toEqual(created);
        // The plans column and a page index are there.
        await ds.query('SELECT archived_at FROM plans');
        expect((await runner.getTable('charges'))?.indices.map((i) => i.name)).toEqual(
          expect.arrayContaining(['ix_charges_merchant_customer_page', 'ix_charges_merchant_review_page']),
        );

        await new ListsAndApiKeys1764201600060().down(runner);
        expect(await runner.hasTable('api_keys')).toBe(false);
        expect(await runner.hasColumn('plans', 'archived_at')).toBe(false);
        expect((await runner.getTable('charges'))?.indices.map((i) => i.name)).toEqual(
          expect.arrayContaining(['ix_charges_merchant', 'ix_charges_review']),
        );
      } finally {
        await runner.release();
      }
    } finally {
      await drop();
    }
  });
});

/**
 * Benchmark: list pages stay flat as tables grow. One merchant's customers, plans, billing keys, subscriptions and
 * charges are seeded to 1 K rows each, then to 100 K (the rows the API made, copied in the database with new ids,
 * unique values and earlier created_at), and two pages of each list are timed at both sizes: the first page and a
 * deep one (a cursor 90 % of the way down). A flat page keeps 100 K ÷ 1 K near 1. On PostgreSQL the deep page's
 * query is EXPLAINed to show which index answers it; on SQLite, EXPLAIN QUERY PLAN.
 *
 *   ts-node bench/list-pages.ts [--engines sqlite,postgres] [--requests 200] [--sizes 1000,100000]
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { api, type BenchApp, type Engine, startApp, withPg } from './lib/app';
import { arg } from './lib/args';
import { startSandbox } from './lib/proc';
import { seedMerchant, type Seeded } from './lib/seed';
import { fmt, median, table } from './lib/stats';

interface ListCase {
  name: string;
  table: string;
  /** The route, with its filter: the template rows keep the filtered value, so the filter matches every copy. */
  path: (s: Seeded, t: Templates) => string;
  /** The same filter as SQL on the table (for the deep cursor and the EXPLAIN). */
  where: (s: Seeded, t: Templates) => string;
  /** Unique columns a copy must change besides id (suffixed with the copy's number). */
  unique: string[];
  prefix: string;
}

interface Templates {
  customerId: string;
}

const CASES: ListCase[] = [
  { name: 'customers', table: 'customers', path: () => '/v1/customers', where: () => '', unique: [], prefix: 'cus' },
  { name: 'plans', table: 'plans', path: () => '/v1/plans', where: () => '', unique: [], prefix: 'plan' },
  {
    name: 'billing keys of a customer',
    table: 'billing_keys',
    path: (_s, t) => `/v1/billing-keys?customerId=${t.customerId}`,
    where: (_s, t) => `customer_id = '${t.customerId}'`,
    unique: ['customer_uid', 'merchant_uid'],
    prefix: 'bkey',
  },
  {
    name: 'subscriptions, status=active',
    table: 'subscriptions',
    path: () => '/v1/subscriptions?status=active',
    where: () => `status = 'active'`,
    unique: [],
    prefix: 'sub',
  },
  {
    name: 'charges of a customer',
    table: 'charges',
    path: (_s, t) => `/v1/charges?customerId=${t.customerId}`,
    where: (_s, t) => `customer_id = '${t.customerId}'`,
    unique: ['merchant_uid'],
    prefix: 'chg',
  },
];

/** Copies the merchant's rows of `table` (the ones the API made) until it holds `total`; every copy is older. */
async function grow(app: BenchApp, c: ListCase, merchantId: string, total: number, from: number): Promise<void> {
  const pg = app.engine === 'postgres';
  const columns = pg
    ? await withPg(app.database, async (db) =>
        (
          await db.query(
            `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
            [c.table],
          )
        ).rows.map((r) => String(r.column_name)),
      )
    : sqlite(app, (db) => (db.prepare(`PRAGMA table_info(${c.table})`).all() as { name: string }[]).map((r) => r.name));
  const expr = (n: string): string => {
    if (n === 'id')
      return pg ? `'${c.prefix}_bench' || lpad(g::text, 12, '0')` : `'${c.prefix}_bench' || printf('%012d', g)`;
    if (c.unique.includes(n)) return `s."${n}" || '_' || g`;
    // The (subscription, cycle, attempt) key of charges: each copy is another cycle.
    if (c.table === 'charges' && n === 'cycle') return `s.cycle + g`;
    if (n === 'created_at')
      return pg
        ? `s.created_at - make_interval(secs => g)`
        : `strftime('%Y-%m-%d %H:%M:%f', s.created_at, '-' || g || ' seconds')`;
    return `s."${n}"`;
  };
  const list = columns.map((n) => `"${n}"`).join(', ');
  const select = columns.map(expr).join(', ');
  // One template row: the newest of the merchant's (for charges: one of the template customer's).
  const first = from + 1;
  if (first > total) return;
  if (pg) {
    await withPg(app.database, async (db) => {
      await db.query(
        `INSERT INTO ${c.table} (${list}) SELECT ${select} FROM (SELECT * FROM ${c.table} WHERE merchant_id = $1 ` +
          `ORDER BY created_at DESC, id DESC LIMIT 1) s, generate_series(${first}, ${total}) g`,
        [merchantId],
      );
      await db.query(`ANALYZE ${c.table}`);
    });
    return;
  }
  sqlite(app, (db) => {
    db.prepare(
      `WITH RECURSIVE series(g) AS (SELECT ${first} UNION ALL SELECT g + 1 FROM series WHERE g < ${total}) ` +
        `INSERT INTO ${c.table} (${list}) SELECT ${select} FROM (SELECT * FROM ${c.table} WHERE merchant_id = ? ` +
        `ORDER BY created_at DESC, id DESC LIMIT 1) s, series`,
    ).run(merchantId);
    db.exec(`ANALYZE ${c.table}`);
  });
}

function sqlite<T>(app: BenchApp, fn: (db: Database.Database) => T): T {
  const db = new Database(app.database);
  try {
    db.pragma('busy_timeout = 10000');
    return fn(db);
  } finally {
    db.close();
  }
}

/** The cursor the API would hand out after the row at `offset` of the filtered list (newest first). */
async function cursorAt(
  app: BenchApp,
  c: ListCase,
  merchantId: string,
  where: string,
  offset: number,
): Promise<string> {
  const sql =
    `SELECT id, created_at FROM ${c.table} WHERE merchant_id = '${merchantId}'${where ? ` AND ${where}` : ''} ` +
    `ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ${offset}`;
  const row = (
    app.engine === 'postgres'
      ? await withPg(app.database, async (db) => (await db.query(sql)).rows[0])
      : sqlite(app, (db) => db.prepare(sql).get())
  ) as { id: string; created_at: Date | string };
  const at = row.created_at instanceof Date ? row.created_at : new Date(`${String(row.created_at).replace(' ', 'T')}Z`);
  return Buffer.from(`${at.toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

async function time(url: string, key: string, requests: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < requests + 10; i++) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { data?: unknown[] };
    if (res.status !== 200 || (body.data?.length ?? 0) !== 20) throw new Error(`${url}: ${res.status}`);
    if (i >= 10) ms.push(Number(process.hrtime.bigint() - t0) / 1e6); // the first 10 warm up
  }
  return median(ms);
}

async function explain(app: BenchApp, c: ListCase, merchantId: string, where: string, cursor: string): Promise<string> {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (app.engine === 'postgres') {
    const sql =
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM ${c.table} t WHERE t.merchant_id = $1` +
      `${where ? ` AND t.${where}` : ''} AND (t.created_at, t.id) < ($2, $3) ORDER BY t.created_at DESC, t.id DESC LIMIT 21`;
    return withPg(app.database, async (db) =>
      (await db.query(sql, [merchantId, at, id])).rows.map((r) => String(r['QUERY PLAN'])).join('\n'),
    );
  }
  const sql =
    `EXPLAIN QUERY PLAN SELECT * FROM ${c.table} t WHERE t.merchant_id = ?${where ? ` AND t.${where}` : ''} ` +
    `AND (t.created_at, t.id) < (?, ?) ORDER BY t.created_at DESC, t.id DESC LIMIT 21`;
  return sqlite(app, (db) =>
    (db.prepare(sql).all(merchantId, at.replace('T', ' ').replace('Z', ''), id) as { detail: string }[])
      .map((r) => r.detail)
      .join('\n'),
  );
}

async function main(): Promise<void> {
  const engines = arg('engines', 'sqlite,postgres').split(',') as Engine[];
  const requests = Number(arg('requests', '200'));
  const sizes = arg('sizes', '1000,100000').split(',').map(Number);
  const rows: (string | number)[][] = [];
  const plans: string[] = [];
  const sandbox = await startSandbox(0);
  try {
    for (const engine of engines) {
      const app = await startApp({ engine, sandboxUrl: sandbox.url, onFail: () => sandbox.stop() });
      try {
        const seeded = await seedMerchant(app, sandbox.url, 1);
        await api(app.url, 'POST', '/v1/billing/runs', seeded.apiKey, {}, [200]); // the template charge
        const customerId = (await api(app.url, 'GET', '/v1/customers', seeded.apiKey)).data[0].id as string;
        const t: Templates = { customerId };
        const figures = new Map<string, number[]>();
        let had = 1;
        for (const size of sizes) {
          for (const c of CASES) await grow(app, c, seeded.merchantId, size, had);
          had = size;
          for (const c of CASES) {
            const where = c.where(seeded, t);
            const path = c.path(seeded, t);
            const sep = path.includes('?') ? '&' : '?';
            const deep = await cursorAt(app, c, seeded.merchantId, where, Math.floor(size * 0.9));
            const firstMs = await time(`${app.url}${path}`, seeded.apiKey, requests);
            const deepMs = await time(`${app.url}${path}${sep}cursor=${deep}`, seeded.apiKey, requests);
            figures.set(`${c.name}|${size}`, [firstMs, deepMs]);
            if (size === sizes[sizes.length - 1])
              plans.push(
                `### ${engine}, ${c.name}, deep page at ${size}\n\n\`\`\`\n${await explain(app, c, seeded.merchantId, where, deep)}\n\`\`\``,
              );
          }
        }
        const [small, large] = [sizes[0], sizes[sizes.length - 1]];
        for (const c of CASES) {
          const [f1, d1] = figures.get(`${c.name}|${small}`)!;
          const [f2, d2] = figures.get(`${c.name}|${large}`)!;
          rows.push([engine, c.name, fmt(f1, 2), fmt(f2, 2), fmt(f2 / f1, 2), fmt(d1, 2), fmt(d2, 2), fmt(d2 / d1, 2)]);
        }
      } finally {
        await app.dispose();
      }
    }
  } finally {
    await sandbox.stop();
  }
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  const out = [
    `# List pages at ${small} and ${large} rows per table (median ms of ${requests} sequential requests, limit 20)`,
    '',
    table(
      [
        'engine',
        'list',
        `first page ${small}`,
        `first page ${large}`,
        'ratio',
        `deep page ${small}`,
        `deep page ${large}`,
        'ratio',
      ],
      rows,
    ),
    '',
    '## Query plans of the deep page at the larger size',
    '',
    ...plans,
    '',
  ].join('\n');
  process.stdout.write(`${out}\n`);
  writeFileSync(`bench/results/list-pages-${new Date().toISOString().slice(0, 10)}.md`, out);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

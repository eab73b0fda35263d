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

/** One timed GET of a page (ms); once more on a socket the app closed while the bench was seeding. */
async function once(url: string, key: string): Promise<number> {
  const get = () => fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const t0 = process.hrtime.bigint();
  const res = await get().catch(get);
  const body = (await res.json()) as { data?: unknown[] };
  if (res.status !== 200 || !body.data?.length) throw new Error(`${url}: ${res.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Median ms of each URL, the requests interleaved (a, b, a, b…) so that both sizes see the same machine: on this
 * shared 2-core host the load of the neighbours moves a figure by more than the difference being measured.
 */
async function interleaved(urls: [string, string], key: [string, string], requests: number): Promise<[number, number]> {
  const ms: [number[], number[]] = [[], []];
  for (let i = 0; i < requests + 10; i++) {
    for (const k of [0, 1] as const) {
      const t = await once(urls[k], key[k]);
      if (i >= 10) ms[k].push(t); // the first 10 warm up
    }
  }
  return [median(ms[0]), median(ms[1])];
}

/** The deep page's SQL (as keysetPage writes it) and its parameters, for the database-side figures. */
function deepQuery(app: BenchApp, c: ListCase, merchantId: string, where: string, cursor: string) {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const pg = app.engine === 'postgres';
  const p = (n: number) => (pg ? `$${n}` : '?');
  const sql =
    `SELECT * FROM ${c.table} t WHERE t.merchant_id = ${p(1)}${where ? ` AND t.${where}` : ''} ` +
    `AND (t.created_at, t.id) < (${p(2)}, ${p(3)}) ORDER BY t.created_at DESC, t.id DESC LIMIT 21`;
  return { sql, params: [merchantId, pg ? at : at.replace('T', ' ').replace('Z', ''), id] };
}

/** Median ms of the deep page's query run directly against the database (no HTTP, no app). */
async function queryMs(app: BenchApp, c: ListCase, merchantId: string, where: string, cursor: string, n: number) {
  const { sql, params } = deepQuery(app, c, merchantId, where, cursor);
  const ms: number[] = [];
  if (app.engine === 'postgres') {
    await withPg(app.database, async (db) => {
      for (let i = 0; i < n + 10; i++) {
        const t0 = process.hrtime.bigint();
        const r = await db.query({ name: `deep_${c.table}`, text: sql, values: params });
        if (r.rows.length === 0) throw new Error(`${c.table}: empty deep page`);
        if (i >= 10) ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    });
  } else {
    sqlite(app, (db) => {
      const st = db.prepare(sql);
      for (let i = 0; i < n + 10; i++) {
        const t0 = process.hrtime.bigint();
        if (st.all(...params).length === 0) throw new Error(`${c.table}: empty deep page`);
        if (i >= 10) ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    });
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
  const requests = Number(arg('requests', '300'));
  const [small, large] = arg('sizes', '1000,100000').split(',').map(Number);
  const rows: (string | number)[][] = [];
  const plans: string[] = [];
  const sandbox = await startSandbox(0);
  try {
    for (const engine of engines) {
      // Two apps, each on its own database: one grown to `small` rows per table, the other to `large`.
      const apps: BenchApp[] = [];
      try {
        for (let k = 0; k < 2; k++)
          apps.push(await startApp({ engine, sandboxUrl: sandbox.url, onFail: () => sandbox.stop() }));
        const seeded: Seeded[] = [];
        const templates: Templates[] = [];
        for (const [k, app] of apps.entries()) {
          const s = await seedMerchant(app, sandbox.url, 1);
          await api(app.url, 'POST', '/v1/billing/runs', s.apiKey, {}, [200]); // the template charge
          templates.push({ customerId: (await api(app.url, 'GET', '/v1/customers', s.apiKey)).data[0].id as string });
          seeded.push(s);
          for (const c of CASES) await grow(app, c, s.merchantId, k === 0 ? small : large, 1);
          process.stderr.write(`${engine}: ${k === 0 ? small : large} rows per table seeded\n`);
        }
        for (const c of CASES) {
          const where = [0, 1].map((k) => c.where(seeded[k], templates[k]));
          const paths = [0, 1].map((k) => `${apps[k].url}${c.path(seeded[k], templates[k])}`);
          const sep = paths[0].includes('?') ? '&' : '?';
          const deep = await Promise.all(
            [0, 1].map((k) =>
              cursorAt(apps[k], c, seeded[k].merchantId, where[k], Math.floor((k === 0 ? small : large) * 0.9)),
            ),
          );
          const keys: [string, string] = [seeded[0].apiKey, seeded[1].apiKey];
          const [f1, f2] = await interleaved([paths[0], paths[1]], keys, requests);
          const [d1, d2] = await interleaved(
            [`${paths[0]}${sep}cursor=${deep[0]}`, `${paths[1]}${sep}cursor=${deep[1]}`],
            keys,
            requests,
          );
          const q = await Promise.all(
            [0, 1].map((k) => queryMs(apps[k], c, seeded[k].merchantId, where[k], deep[k], requests)),
          );
          rows.push([
            engine,
            c.name,
            fmt(f1, 2),
            fmt(f2, 2),
            fmt(f2 / f1, 2),
            fmt(d1, 2),
            fmt(d2, 2),
            fmt(d2 / d1, 2),
            fmt(q[0], 3),
            fmt(q[1], 3),
            fmt(q[1] / q[0], 2),
          ]);
          plans.push(
            `### ${engine}, ${c.name}, deep page at ${large}\n\n\`\`\`\n${await explain(apps[1], c, seeded[1].merchantId, where[1], deep[1])}\n\`\`\``,
          );
        }
      } finally {
        for (const app of apps) await app.dispose();
      }
    }
  } finally {
    await sandbox.stop();
  }
  const out = [
    `# List pages at ${small} and ${large} rows per table (median ms of ${requests} sequential requests each, ` +
      `limit 20, the two sizes interleaved)`,
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
        `deep query ${small}`,
        `deep query ${large}`,
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

import Database from 'better-sqlite3';
import { ADMIN_KEY, api, type BenchApp, withPg } from './app';

/** What a benchmark bills: one merchant, K customers each with an active PayPal RT billing key, one daily plan. */
export interface Seeded {
  merchantId: string;
  apiKey: string;
  planId: string;
  /** One subscription per billing key, created through the REST API (the rows the bulk copies are made from). */
  templateSubscriptionIds: string[];
}

/**
 * Creates the merchant, customers, billing keys (approved through the sandbox's buyer endpoint, completed through our
 * API, exactly as a frontend would) and one subscription per key, all over HTTP.
 */
export async function seedMerchant(
  app: BenchApp,
  sandboxUrl: string,
  keys: number,
  amountMinor = 1999,
): Promise<Seeded> {
  const m = await api(app.url, 'POST', '/v1/merchants', ADMIN_KEY, {
    name: 'Bench',
    industry: 'saas',
    paypalAccountId: 'BENCHPAYPAL01',
    country: 'US',
  });
  const plan = await api(app.url, 'POST', '/v1/plans', m.apiKey, {
    name: 'Daily',
    amount: amountMinor,
    currency: 'USD',
    interval: 'day',
  });
  const templateSubscriptionIds: string[] = [];
  for (let i = 0; i < keys; i++) {
    const c = await api(app.url, 'POST', '/v1/customers', m.apiKey, {
      email: `buyer${i}@example.com`,
      firstName: 'Bench',
      lastName: `Buyer${i}`,
      phone: '+14155550100',
      countryCode: 'US',
      accountCreatedAt: '2024-01-01T00:00:00Z',
    });
    const key = await api(app.url, 'POST', '/v1/billing-keys', m.apiKey, {
      customerId: c.id,
      gateway: 'portone-paypal-rt',
    });
    const cb = await api(sandboxUrl, 'POST', '/portone/buyer/billing-keys', undefined, {
      userCode: key.loadUI.userCode,
      request: key.loadUI.request,
      buyer: { email: `buyer${i}@example.com`, country: 'US' },
    });
    const done = await api(
      app.url,
      'POST',
      `/v1/billing-keys/${key.id}/complete`,
      m.apiKey,
      { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid },
      [200, 201],
    );
    if (done.status !== 'active') throw new Error(`billing key not active: ${JSON.stringify(done)}`);
    const sub = await api(app.url, 'POST', '/v1/subscriptions', m.apiKey, {
      customerId: c.id,
      planId: plan.id,
      billingKeyId: key.id,
    });
    templateSubscriptionIds.push(sub.id);
  }
  return { merchantId: m.id, apiKey: m.apiKey, planId: plan.id, templateSubscriptionIds };
}

/**
 * Copies the template subscriptions in the database until `total` are due, round-robin over the templates. Copying
 * rows the API created keeps every column as the app writes it, without this script knowing the schema beyond `id`.
 */
export async function cloneSubscriptions(app: BenchApp, seeded: Seeded, total: number): Promise<void> {
  const templates = seeded.templateSubscriptionIds;
  const extra = total - templates.length;
  if (extra <= 0) return;
  const per = Math.ceil(extra / templates.length);
  if (app.engine === 'postgres') {
    await withPg(app.database, async (c) => {
      const cols = (
        await c.query(
          `SELECT column_name FROM information_schema.columns WHERE table_name = 'subscriptions' AND table_schema = current_schema() ORDER BY ordinal_position`,
        )
      ).rows.map((r) => String(r.column_name));
      const list = cols.map((n) => `"${n}"`).join(', ');
      const select = cols.map((n) => (n === 'id' ? `'sub_bench' || lpad(g::text, 11, '0')` : `s."${n}"`)).join(', ');
      for (let t = 0; t < templates.length; t++) {
        const from = t * per + 1;
        const to = Math.min(extra, (t + 1) * per);
        if (from > to) break;
        await c.query(
          `INSERT INTO subscriptions (${list}) SELECT ${select} FROM subscriptions s, generate_series(${from}, ${to}) g WHERE s.id = $1`,
          [templates[t]],
        );
      }
      await c.query('ANALYZE subscriptions');
    });
    return;
  }
  const db = new Database(app.database);
  try {
    db.pragma('busy_timeout = 10000');
    const cols = (db.prepare('PRAGMA table_info(subscriptions)').all() as { name: string }[]).map((r) => r.name);
    const list = cols.map((n) => `"${n}"`).join(', ');
    const select = cols
      .map((n) => (n === 'id' ? `'sub_bench' || substr('00000000000' || g, -11, 11)` : `s."${n}"`))
      .join(', ');
    const insert = db.transaction(() => {
      for (let t = 0; t < templates.length; t++) {
        const from = t * per + 1;
        const to = Math.min(extra, (t + 1) * per);
        if (from > to) break;
        db.prepare(
          `WITH RECURSIVE series(g) AS (SELECT ${from} UNION ALL SELECT g + 1 FROM series WHERE g < ${to}) ` +
            `INSERT INTO subscriptions (${list}) SELECT ${select} FROM subscriptions s, series WHERE s.id = ?`,
        ).run(templates[t]);
      }
    });
    insert();
    // Only the seeded table, as on PostgreSQL: statistics stamped now on the near-empty tables the run fills (charges,
    // events) would make SQLite's planner scan them for every IN list once they hold thousands of rows.
    db.exec('ANALYZE subscriptions');
  } finally {
    db.close();
  }
}

import * as fc from 'fast-check';
import {
  closeAgent,
  type FuzzRequest,
  operationsOf,
  type Operation,
  requestsFor,
  responseProblem,
  send,
} from './helpers/fuzz-requests';
import { createMerchant, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';

/**
 * Every route of the OpenAPI document served by the app under test, attacked with hostile and careless requests:
 * wrong types, nulls, huge, deep, unicode and control-character strings, extra fields, bad ids and query strings,
 * bad content types, `%00` in paths. No answer may be a 5xx, and every 4xx carries our error body.
 *
 * The seed is fixed, so a run is reproducible: each failure prints the request as sent, its route, the seed and its
 * index. FUZZ_SEED and FUZZ_RUNS (cases per run, spread over the routes) change them for a longer local run.
 * Runs on SQLite, and on PostgreSQL when DATABASE_URL is set (like every e2e spec).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 4_000);

jest.setTimeout(180_000);

describe('fuzz: every OpenAPI route under hostile input (e2e)', () => {
  let t: TestApp;
  let operations: Operation[];
  let merchantKey: string;
  /** Client secrets of a pending billing key and a created order: a second credential kind every route is tried with. */
  const clientSecrets: string[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'warn' });
    const merchant = await createMerchant(t);
    merchantKey = merchant.apiKey;
    const auth = { authorization: `Bearer ${merchantKey}` };
    // Real ids of this merchant, so that some requests get past the look-up and into the services (more are collected
    // from the answers as the run goes).
    const customer = await t
      .http()
      .post('/v1/customers')
      .set(auth)
      .send({ email: 'fuzz@example.com', firstName: 'Fuzz', lastName: 'Test', countryCode: 'US' });
    const plan = await t
      .http()
      .post('/v1/plans')
      .set(auth)
      .send({ name: 'Fuzz plan', amount: 1999, currency: 'USD', interval: 'month' });
    const key = await t
      .http()
      .post('/v1/billing-keys')
      .set(auth)
      .send({ customerId: customer.body.id, gateway: 'portone-paypal-rt' });
    const order = await t
      .http()
      .post('/v1/orders')
      .set(auth)
      .send({ gateway: 'toss-foreign-pay', orderName: 'Fuzz', amount: 500, currency: 'USD', country: 'US' });
    for (const res of [key, order])
      if (typeof res.body.clientSecret === 'string') clientSecrets.push(res.body.clientSecret);
    expect(clientSecrets).toHaveLength(2);
    // A second API key: its id lets DELETE /v1/merchants/me/api-keys/{id} reach the service (the creation key, never
    // handed to the fuzzer by id, stays usable whatever gets revoked).
    const apiKey = await t.http().post('/v1/merchants/me/api-keys').set(auth);
    const endpoint = await t
      .http()
      .post('/v1/webhook-endpoints')
      .set(auth)
      .send({ url: 'http://127.0.0.1:9/fuzz-events', events: ['charge.*'] });
    ids.push(
      merchant.id,
      customer.body.id,
      ...(endpoint.body.id ? [endpoint.body.id] : []),
      ...(plan.body.id ? [plan.body.id] : []),
      key.body.id,
      order.body.orderId,
      ...(apiKey.body.id ? [apiKey.body.id] : []),
      'portone-paypal-rt',
      'toss-foreign-pay',
    );
    const doc = await t.http().get('/docs-json');
    operations = operationsOf(doc.body);
  });
  afterAll(async () => {
    closeAgent();
    await t?.close();
  });

  it(`answers ${RUNS} hostile requests over every route without a 5xx, every 4xx in our error body (seed ${SEED})`, async () => {
    expect(operations.length).toBeGreaterThanOrEqual(40);
    // Issue 26: the outbox reads and the subscription changes are fuzzed like every other route.
    for (const [method, path] of [
      ['GET', '/v1/events'],
      ['GET', '/v1/events/{id}'],
      ['PATCH', '/v1/subscriptions/{id}'],
      ['POST', '/v1/subscriptions/{id}/resume'],
    ])
      expect(operations.some((o) => o.method === method && o.path === path)).toBe(true);
    const base = new URL(t.url);
    // Which key each secured route takes: the admin routes refuse a merchant key.
    const keyFor = new Map<Operation, string | undefined>();
    for (const op of operations) {
      if (!op.secured) continue;
      const probe = await send(base, {
        method: op.method,
        url: op.path.replace(/\{[^}]+\}/g, 'probe'),
        headers: { authorization: `Bearer ${merchantKey}` },
      });
      keyFor.set(op, probe.status === 401 || probe.status === 403 ? TEST_ADMIN_KEY : merchantKey);
    }
    expect([...keyFor.values()]).toContain(TEST_ADMIN_KEY);

    const perRoute = Math.ceil(RUNS / operations.length);
    const failures: string[] = [];
    let sent = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (const [index, op] of operations.entries()) {
      const good = keyFor.get(op);
      const others = [merchantKey, TEST_ADMIN_KEY, ...clientSecrets].filter((k) => k !== good);
      const arb = requestsFor(op, { good, others }, ids);
      let n = 0;
      await fc.assert(
        fc.asyncProperty(arb, async (req: FuzzRequest) => {
          const at = n++;
          sent++;
          let problem: string | undefined;
          let text = '';
          try {
            const res = await send(base, req);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status < 300) collectIds(res.text, ids);
            problem = responseProblem(res);
            text = res.text;
          } catch (err) {
            problem = `no response: ${(err as Error).message}`;
          }
          if (problem) failures.push(describeFailure(op, req, problem, text, index, at));
          return true; // collect every failure of the run rather than stop (and shrink) at the first
        }),
        { seed: SEED + index, numRuns: perRoute },
      );
    }
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `fuzz: ${sent} requests over ${operations.length} routes in ${seconds.toFixed(1)} s, ${failures.length} failures (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS);
    if (failures.length) {
      const kinds = new Map<string, number>();
      for (const f of failures) {
        const kind = /^- (\S+ \S+): ([^(]+?) \(/.exec(f)?.slice(1, 3).join(': ') ?? 'other';
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      const summary = [...kinds].map(([k, n]) => `  ${n} × ${k}`).join('\n');
      throw new Error(
        `${failures.length} of ${sent} fuzzed requests failed:\n${summary}\n${failures.slice(0, 25).join('\n')}`,
      );
    }
  });
});

/** Ids the app handed out (a billing key, an order…), so that later routes are fuzzed with real ones too. */
function collectIds(text: string, ids: string[]): void {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const id of [body.id, body.orderId])
      if (typeof id === 'string' && !ids.includes(id) && ids.length < 40) ids.push(id);
  } catch {
    // not JSON: nothing to collect
  }
}

function describeFailure(
  op: Operation,
  req: FuzzRequest,
  problem: string,
  body: string,
  route: number,
  at: number,
): string {
  const sent = JSON.stringify({
    method: req.method,
    url: req.url,
    headers: { ...req.headers, authorization: req.headers.authorization ? '<set>' : undefined },
    body: req.body?.slice(0, 300),
  });
  return `- ${op.method} ${op.path}: ${problem} (seed ${SEED + route}, case ${at}; FUZZ_SEED=${SEED}) ${sent} -> ${body.slice(0, 200)}`;
}

import { DataSource } from 'typeorm';
import { FRAUDNET_FNCLS, FRAUDNET_RESERVATION_TTL_MS, RiskService } from '../src/risk/risk.service';
import { createMerchant, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';

type Merchant = Awaited<ReturnType<typeof createMerchant>>;

describe('risk: STC and Fraudnet (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const auth = (m: Merchant) => ({ authorization: `Bearer ${m.apiKey}` });
  const fullCustomer = {
    email: 'zebediah.stc@example.com',
    firstName: 'Zebediah',
    lastName: 'Quillfeather',
    phone: '+14155550199',
    countryCode: 'US',
    accountCreatedAt: '2023-10-10T14:59:59Z',
  };
  async function createCustomer(m: Merchant, body: Record<string, unknown> = {}): Promise<{ id: string }> {
    const res = await t
      .http()
      .post('/v1/customers')
      .set(auth(m))
      .send({ ...fullCustomer, ...body });
    expect(res.status).toBe(201);
    return res.body;
  }
  const evaluate = (m: Merchant, body: Record<string, unknown>) =>
    t.http().post('/v1/risk/stc/evaluate').set(auth(m)).send(body);
  const decisions = (m: Merchant, query: Record<string, string | number> = {}) =>
    t.http().get('/v1/risk/decisions').set(auth(m)).query(query);
  const fraudnet = (m: Merchant, query: Record<string, string> = {}) =>
    t.http().get('/v1/risk/fraudnet').set(auth(m)).query(query);

  describe('policy', () => {
    it.each([
      ['marketplace', undefined, 'required'],
      ['gaming_digital_goods', undefined, 'required'],
      ['retail_food', 'in_store_mobile', 'required'],
      ['retail_food', 'ship_to_store', 'recommended'],
      ['saas', undefined, 'recommended'],
    ])(
      'a %s/%s merchant is created with stcPolicy %s, and evaluation uses it',
      async (industry, retailFulfillment, policy) => {
        const m = await createMerchant(t, { industry, ...(retailFulfillment ? { retailFulfillment } : {}) });
        expect(m.stcPolicy).toBe(policy);
        const c = await createCustomer(m);
        const res = await evaluate(m, { customerId: c.id, purpose: 'billing_key_issue' });
        expect(res.status).toBe(200);
        expect(res.body.policy).toBe(policy);
      },
    );
  });

  describe('enforcement (required policy)', () => {
    it('refuses a marketplace merchant without paypalAccountId with 422 STC_DATA_REQUIRED naming the field', async () => {
      const m = await createMerchant(t, { industry: 'marketplace', paypalAccountId: undefined });
      expect(m.paypalAccountId).toBeNull();
      const c = await createCustomer(m);
      const res = await evaluate(m, { customerId: c.id, purpose: 'billing_key_issue' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('STC_DATA_REQUIRED');
      expect(res.body.details).toEqual([
        { field: 'sender_account_id', source: 'merchant.paypalAccountId', errors: ['missing'] },
      ]);

      const list = await decisions(m);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0]).toMatchObject({
        customerId: c.id,
        purpose: 'billing_key_issue',
        policy: 'required',
        industry: 'marketplace',
        outcome: 'refused',
        errorCode: 'STC_DATA_REQUIRED',
        keysSent: [],
        keysMissing: ['sender_account_id'],
        keysInvalid: [],
      });
    });

    it('refuses a customer without phone and accountCreatedAt, naming both, and never echoes their data', async () => {
      const m = await createMerchant(t, { industry: 'gaming_digital_goods' });
      const c = await createCustomer(m, { phone: undefined, accountCreatedAt: undefined });
      const res = await evaluate(m, { customerId: c.id, purpose: 'charge' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('STC_DATA_REQUIRED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['sender_phone', 'sender_create_date']);
      expect(JSON.stringify(res.body)).not.toContain(fullCustomer.email);
      expect(JSON.stringify(res.body)).not.toContain(fullCustomer.lastName);
      expect(res.body.message).toContain('sender_phone');
    });

    it("requires the industry's required extras for a charge, but not for billing-key issuance", async () => {
      const m = await createMerchant(t, { industry: 'p2p' });
      const c = await createCustomer(m);
      const issue = await evaluate(m, { customerId: c.id, purpose: 'billing_key_issue' });
      expect(issue.status).toBe(200);
      expect(issue.body.outcome).toBe('sent');

      const charge = await evaluate(m, {
        customerId: c.id,
        purpose: 'charge',
        riskContext: { receiver_account_id: 'payee-1' },
      });
      expect(charge.status).toBe(422);
      expect(charge.body.code).toBe('STC_DATA_REQUIRED');
      expect(charge.body.details).toEqual([
        { field: 'receiver_email', source: 'riskContext.receiver_email', errors: ['missing (needed for charge)'] },
      ]);

      const ok = await evaluate(m, {
        customerId: c.id,
        purpose: 'charge',
        riskContext: { receiver_account_id: 'payee-1', receiver_email: 'payee@example.com' },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.tossTransactionContext).toMatchObject({
        receiver_account_id: 'payee-1',
        receiver_email: 'payee@example.com',
      });
    });

    it('refuses unknown or invalid riskContext keys for the industry with 422 STC_CONTEXT_INVALID, whatever the policy', async () => {
      for (const industry of ['event_ticketing', 'saas']) {
        const m = await createMerchant(t, { industry });
        const c = await createCustomer(m);
        const unknown = await evaluate(m, { customerId: c.id, riskContext: { ota_type: 'lodging' } });
        expect(unknown.status).toBe(422);
        expect(unknown.body.code).toBe('STC_CONTEXT_INVALID');
        expect(unknown.body.details).toEqual([
          { field: 'ota_type', source: 'riskContext.ota_type', errors: [`not an STC key for industry ${industry}`] },
        ]);
        const base = await evaluate(m, { customerId: c.id, riskContext: { sender_email: 'spoof@example.com' } });
        expect(base.status).toBe(422);
        expect(base.body.details[0].field).toBe('sender_email');
        const notString = await evaluate(m, { customerId: c.id, riskContext: { cd_int_one: 3 } });
        expect(notString.status).toBe(422);
        expect(notString.body.details[0]).toMatchObject({ field: 'cd_int_one', errors: ['must be a string'] });
        const listed = await decisions(m);
        expect(listed.body.data.map((d: { errorCode: string }) => d.errorCode)).toEqual([
          'STC_CONTEXT_INVALID',
          'STC_CONTEXT_INVALID',
          'STC_CONTEXT_INVALID',
        ]);
        expect(listed.body.data[2].keysInvalid).toEqual(['ota_type']);
      }
      const tickets = await createMerchant(t, { industry: 'event_ticketing' });
      const c = await createCustomer(tickets);
      const bad = await evaluate(tickets, {
        customerId: c.id,
        purpose: 'charge',
        riskContext: { dg_delivery_method: 'carrier_pigeon', cd_string_one: '2026-07-01' },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.details).toEqual([
        {
          field: 'dg_delivery_method',
          source: 'riskContext.dg_delivery_method',
          errors: ['invalid: one of email, phone, venue_pickup, kiosk_pickup'],
        },
      ]);
      const good = await evaluate(tickets, {
        customerId: c.id,
        purpose: 'charge',
        riskContext: { dg_delivery_method: 'venue_pickup', cd_string_one: '2026-07-01', cd_int_one: '4' },
      });
      expect(good.status).toBe(200);
      expect(good.body.additionalData.slice(7)).toEqual([
        { key: 'dg_delivery_method', value: 'venue_pickup' },
        { key: 'cd_string_one', value: '2026-07-01' },
        { key: 'cd_int_one', value: '4' },
      ]);
    });

    it("answers 404 for another merchant's customer and validates the body", async () => {
      const a = await createMerchant(t);
      const b = await createMerchant(t);
      const c = await createCustomer(a);
      const res = await evaluate(b, { customerId: c.id });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
      expect((await decisions(b)).body.data).toEqual([]);
      const unknownField = await evaluate(a, { customerId: c.id, policy: 'recommended' });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.code).toBe('VALIDATION_FAILED');
      const badPurpose = await evaluate(a, { customerId: c.id, purpose: 'refund' });
      expect(badPurpose.status).toBe(400);
      const noKey = await t.http().post('/v1/risk/stc/evaluate').send({ customerId: c.id });
      expect(noKey.status).toBe(401);
    });
  });

  describe('recommended policy', () => {
    it('sends what is available (sent_partial), logs the gap without personal data and counts it on /metrics', async () => {
      const before = await gapCount('sender_phone');
      const m = await createMerchant(t, { industry: 'saas' });
      const c = await createCustomer(m, { phone: undefined });
      const res = await evaluate(m, { customerId: c.id, purpose: 'charge' });
      expect(res.status).toBe(200);
      expect(res.body.outcome).toBe('sent_partial');
      expect(res.body.missing).toEqual(['sender_phone']);
      expect(res.body.additionalData.map((kv: { key: string }) => kv.key)).toEqual([
        'sender_account_id',
        'sender_first_name',
        'sender_last_name',
        'sender_email',
        'sender_country_code',
        'sender_create_date',
      ]);
      expect(await gapCount('sender_phone')).toBe(before + 1);

      const line = t.logs.find((l) => l.includes('STC recommended data incomplete') && l.includes(c.id));
      expect(line).toBeDefined();
      expect(JSON.parse(line as string)).toMatchObject({
        merchantId: m.id,
        customerId: c.id,
        purpose: 'charge',
        missing: ['sender_phone'],
      });
      const riskLogs = t.logs.filter((l) => l.includes('"STC '));
      expect(riskLogs.length).toBeGreaterThan(0);
      for (const l of riskLogs) {
        expect(l).not.toContain(fullCustomer.email);
        expect(l).not.toContain(fullCustomer.firstName);
        expect(l).not.toContain(fullCustomer.lastName);
        expect(l).not.toContain(fullCustomer.phone);
      }

      const [decision] = (await decisions(m)).body.data;
      expect(decision).toMatchObject({
        outcome: 'sent_partial',
        policy: 'recommended',
        keysMissing: ['sender_phone'],
        errorCode: null,
      });
      expect(decision.keysSent).toHaveLength(6);
    });

    it('a complete customer of a recommended merchant is simply sent', async () => {
      const m = await createMerchant(t, { industry: 'physical_goods' });
      const c = await createCustomer(m);
      const before = await gapCount('sender_phone');
      const res = await evaluate(m, { customerId: c.id });
      expect(res.body).toMatchObject({ outcome: 'sent', missing: [], policy: 'recommended' });
      expect(await gapCount('sender_phone')).toBe(before);
    });

    async function gapCount(field: string): Promise<number> {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      const match = res.text.match(new RegExp(`^stc_recommended_gaps_total\\{field="${field}"\\} (\\d+)$`, 'm'));
      return match ? Number(match[1]) : 0;
    }
  });

  describe('the three shapes', () => {
    it('returns the same STC data for IMP.loadUI (object), again (JSON string) and Toss (flat object)', async () => {
      const m = await createMerchant(t, { industry: 'gaming_digital_goods', paypalAccountId: 'A12345N343' });
      const c = await createCustomer(m, { countryCode: 'kr' });
      const res = await evaluate(m, { customerId: c.id, purpose: 'billing_key_issue' });
      expect(res.status).toBe(200);
      const additionalData = [
        { key: 'sender_account_id', value: 'A12345N343' },
        { key: 'sender_first_name', value: 'Zebediah' },
        { key: 'sender_last_name', value: 'Quillfeather' },
        { key: 'sender_email', value: 'zebediah.stc@example.com' },
        { key: 'sender_phone', value: '+14155550199' },
        { key: 'sender_country_code', value: 'KR' },
        { key: 'sender_create_date', value: '2023-10-10T14:59:59+00:00' },
      ];
      expect(res.body).toMatchObject({ policy: 'required', outcome: 'sent', missing: [], additionalData });
      expect(res.body.decisionId).toMatch(/^rsk_/);
      expect(res.body.loadUIBypass).toEqual({ paypal_v2: { additional_data: additionalData } });
      expect(typeof res.body.againBypass).toBe('string');
      expect(
        res.body.againBypass.startsWith(
          '{"paypal_v2":{"additional_data":[{"key":"sender_account_id","value":"A12345N343"}',
        ),
      ).toBe(true);
      expect(JSON.parse(res.body.againBypass)).toEqual({ paypal_v2: { additional_data: additionalData } });
      expect(res.body.tossTransactionContext).toEqual(
        Object.fromEntries(additionalData.map((kv) => [kv.key, kv.value])),
      );
      for (const kv of res.body.additionalData) expect(typeof kv.value).toBe('string');
    });

    it("sender_phone as seed 004 sends it: a KR customer's (02)16705176 is stored as E.164 and sent as the national number", async () => {
      const m = await createMerchant(t, { industry: 'gaming_digital_goods' });
      const c = await createCustomer(m, { countryCode: 'KR', phone: '(02)16705176' });
      expect((await t.http().get(`/v1/customers/${c.id}`).set(auth(m))).body.phone).toBe('+82216705176');
      const res = await evaluate(m, { customerId: c.id, purpose: 'charge' });
      expect(res.status).toBe(200);
      expect(res.body.additionalData).toEqual(
        expect.arrayContaining([
          { key: 'sender_phone', value: '0216705176' },
          { key: 'sender_country_code', value: 'KR' },
        ]),
      );
    });

    it('is exported for the billing-key and charge modules: RiskService.evaluateStc returns the same structure or throws', async () => {
      const risk = t.app.get(RiskService);
      const m = await createMerchant(t, { industry: 'telecom' });
      const c = await createCustomer(m);
      const out = await risk.evaluateStc({ merchantId: m.id, customerId: c.id, purpose: 'charge', riskContext: {} });
      expect(out).toMatchObject({ policy: 'required', outcome: 'sent', missing: [] });
      expect(JSON.parse(out.againBypass)).toEqual(out.loadUIBypass);
      const bare = await createCustomer(m, { phone: undefined });
      await expect(
        risk.evaluateStc({ merchantId: m.id, customerId: bare.id, purpose: 'charge' }),
      ).rejects.toMatchObject({
        code: 'STC_DATA_REQUIRED',
        details: [{ field: 'sender_phone', source: 'customer.phone', errors: ['missing'] }],
      });
      const purposes = (await decisions(m)).body.data.map(
        (d: { purpose: string; outcome: string }) => `${d.purpose}:${d.outcome}`,
      );
      expect(purposes).toEqual(['charge:refused', 'charge:sent']);
    });
  });

  describe('decision records', () => {
    it('are listed newest first, filtered by customer, paginated with a cursor, and scoped by merchant', async () => {
      const m = await createMerchant(t, { industry: 'saas' });
      const other = await createMerchant(t, { industry: 'saas' });
      const c1 = await createCustomer(m);
      const c2 = await createCustomer(m, { phone: undefined });
      const oc = await createCustomer(other);
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await evaluate(m, { customerId: i % 2 ? c2.id : c1.id, purpose: 'preflight' });
        expect(res.status).toBe(200);
        made.push(res.body.decisionId);
      }
      expect((await evaluate(other, { customerId: oc.id })).status).toBe(200);

      const all = await decisions(m);
      expect(all.status).toBe(200);
      expect(all.body.data).toHaveLength(5);
      expect(all.body.nextCursor).toBeNull();
      const times = all.body.data.map((d: { createdAt: string }) => Date.parse(d.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(new Set(all.body.data.map((d: { id: string }) => d.id))).toEqual(new Set(made));

      // Pages of 2 cover the same list, in the same order, without repeats.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string | number> = { limit: 2, ...(cursor ? { cursor } : {}) };
        const page = await decisions(m, query);
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((d: { id: string }) => d.id));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(all.body.data.map((d: { id: string }) => d.id));
      // A page that ends exactly at the last record has no next page.
      const exact = await decisions(m, { limit: 5 });
      expect(exact.body.data).toHaveLength(5);
      expect(exact.body.nextCursor).toBeNull();

      const onlyC2 = await decisions(m, { customerId: c2.id });
      expect(onlyC2.body.data).toHaveLength(2);
      expect(
        onlyC2.body.data.every(
          (d: { customerId: string; outcome: string }) => d.customerId === c2.id && d.outcome === 'sent_partial',
        ),
      ).toBe(true);

      // Another merchant sees only its own, even when it asks for this merchant's customer.
      const theirs = await decisions(other);
      expect(theirs.body.data).toHaveLength(1);
      expect(theirs.body.data[0].customerId).toBe(oc.id);
      expect((await decisions(other, { customerId: c1.id })).body.data).toEqual([]);
      // A cursor from this merchant's list does not reveal its rows to another merchant.
      const firstPage = await decisions(m, { limit: 1 });
      const leaked = await decisions(other, { cursor: firstPage.body.nextCursor });
      expect(leaked.body.data.every((d: { id: string }) => !made.includes(d.id))).toBe(true);
    });

    it('refuses a bad cursor or limit', async () => {
      const m = await createMerchant(t);
      const bad = await decisions(m, { cursor: 'not-a-cursor' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect((await decisions(m, { limit: 0 })).status).toBe(400);
      expect((await decisions(m, { limit: 101 })).status).toBe(400);
      expect((await decisions(m, { sort: 'asc' })).status).toBe(400);
    });

    it('stores key names only, never the values', async () => {
      const m = await createMerchant(t, { industry: 'event_ticketing' });
      const c = await createCustomer(m);
      const res = await evaluate(m, {
        customerId: c.id,
        purpose: 'charge',
        riskContext: { dg_delivery_method: 'email', cd_string_one: '2026-07-01', cd_string_two: 'Opera-Gala-Secret' },
      });
      expect(res.status).toBe(200);
      const ds = t.app.get(DataSource);
      const rows = await ds.query(
        `SELECT * FROM risk_decisions WHERE merchant_id = ${ds.options.type === 'postgres' ? '$1' : '?'}`,
        [m.id],
      );
      expect(rows).toHaveLength(1);
      const dump = JSON.stringify(rows);
      for (const value of [
        fullCustomer.email,
        fullCustomer.firstName,
        fullCustomer.lastName,
        fullCustomer.phone,
        'Opera-Gala-Secret',
        'ACMEPAYPAL01',
      ]) {
        expect(dump).not.toContain(value);
      }
      expect(dump).toContain('sender_email');
      expect(dump).toContain('cd_string_two');
    });
  });

  describe('Fraudnet', () => {
    it('returns { fncls, f, s, sandbox } with a new reserved merchant_uid each time', async () => {
      const m = await createMerchant(t, { paypalAccountId: '7WBB3CKT63FRG' });
      const res = await fraudnet(m);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ fncls: FRAUDNET_FNCLS, s: '7WBB3CKT63FRG_checkout-page', sandbox: true });
      expect(FRAUDNET_FNCLS).toBe('fnparams-dede7cc5-15fd-4c75-a9f4-36c430ee3a99');
      expect(res.body.f).toMatch(/^fnt_[A-Za-z0-9_-]+$/);
      expect(res.body.f.length).toBeLessThanOrEqual(40);
      const second = await fraudnet(m);
      expect(second.body.f).not.toBe(res.body.f);

      const ds = t.app.get(DataSource);
      const p = ds.options.type === 'postgres' ? '$1' : '?';
      const [row] = await ds.query(
        `SELECT merchant_id, page_type, expires_at, used_at FROM fraudnet_reservations WHERE merchant_uid = ${p}`,
        [res.body.f],
      );
      expect(row.merchant_id).toBe(m.id);
      expect(row.page_type).toBe('checkout-page');
      expect(row.used_at).toBeNull();
      expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(FRAUDNET_RESERVATION_TTL_MS - 60_000);
    });

    it.each([
      'home-page',
      'search-result-page',
      'category-page',
      'product-detail-page',
      'cart-page',
      'inline-cart-page',
      'checkout-page',
    ])('names the page type %s in s', async (pageType) => {
      const m = await createMerchant(t, { paypalAccountId: 'PAGEACCT01' });
      const res = await fraudnet(m, { pageType });
      expect(res.status).toBe(200);
      expect(res.body.s).toBe(`PAGEACCT01_${pageType}`);
    });

    it('refuses an unknown page type and a merchant without paypalAccountId', async () => {
      const m = await createMerchant(t);
      const bad = await fraudnet(m, { pageType: 'landing-page' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      const none = await createMerchant(t, { paypalAccountId: undefined });
      const res = await fraudnet(none);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('PAYPAL_ACCOUNT_ID_REQUIRED');
      expect(res.body.details).toEqual([{ field: 'paypalAccountId', errors: ['missing on the merchant profile'] }]);
    });

    it("re-fetches the same f for this merchant's unused reservation; another merchant's gets a new one", async () => {
      const m = await createMerchant(t, { paypalAccountId: 'REFETCH01' });
      const other = await createMerchant(t, { paypalAccountId: 'REFETCH02' });
      const first = await fraudnet(m, { pageType: 'cart-page' });
      const again = await fraudnet(m, { merchantUid: first.body.f });
      expect(again.body.f).toBe(first.body.f);
      expect(again.body.s).toBe('REFETCH01_checkout-page');
      expect(again.body.expiresAt).toBe(first.body.expiresAt);
      const stolen = await fraudnet(other, { merchantUid: first.body.f });
      expect(stolen.status).toBe(200);
      expect(stolen.body.f).not.toBe(first.body.f);
      const unknown = await fraudnet(m, { merchantUid: 'fnt_doesnotexist' });
      expect(unknown.body.f).not.toBe('fnt_doesnotexist');
    });

    it('a reservation is consumed once: a second use, another merchant and an unknown id are refused', async () => {
      const risk = t.app.get(RiskService);
      const m = await createMerchant(t, { paypalAccountId: 'CONSUME01' });
      const other = await createMerchant(t, { paypalAccountId: 'CONSUME02' });
      const { f } = (await fraudnet(m)).body;

      await expect(risk.consumeFraudnetReservation(other.id, f)).rejects.toMatchObject({
        code: 'FRAUDNET_RESERVATION_INVALID',
      });
      await expect(risk.consumeFraudnetReservation(m.id, 'fnt_unknown')).rejects.toMatchObject({
        code: 'FRAUDNET_RESERVATION_INVALID',
      });
      await expect(risk.consumeFraudnetReservation(m.id, f)).resolves.toBeUndefined();
      await expect(risk.consumeFraudnetReservation(m.id, f)).rejects.toMatchObject({
        code: 'FRAUDNET_RESERVATION_INVALID',
      });

      // A used reservation is not handed out again.
      const after = await fraudnet(m, { merchantUid: f });
      expect(after.body.f).not.toBe(f);
    });

    it('concurrent consumers: exactly one wins', async () => {
      const risk = t.app.get(RiskService);
      const m = await createMerchant(t, { paypalAccountId: 'RACE0001' });
      for (let round = 0; round < 5; round++) {
        const { f } = (await fraudnet(m)).body;
        const results = await Promise.allSettled(
          Array.from({ length: 4 }, () => risk.consumeFraudnetReservation(m.id, f)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((x) => x.status === 'rejected')) {
          expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'FRAUDNET_RESERVATION_INVALID' });
        }
      }
    });

    it('is described in the OpenAPI document, with the Magnes note', async () => {
      const doc = await t.http().get('/docs-json');
      const op = doc.body.paths['/v1/risk/fraudnet'].get;
      expect(op.description).toContain('Magnes');
      expect(JSON.stringify(doc.body.components.schemas.FraudnetParamsDto)).toContain('Magnes');
      expect(doc.body.paths['/v1/risk/stc/evaluate'].post).toBeDefined();
      expect(doc.body.paths['/v1/risk/decisions'].get).toBeDefined();
    });

    // Moves the application clock: keep last in this file.
    it('an expired reservation can neither be consumed nor re-fetched', async () => {
      const risk = t.app.get(RiskService);
      const m = await createMerchant(t, { paypalAccountId: 'EXPIRE01' });
      const { f } = (await fraudnet(m)).body;
      const move = await t
        .http()
        .post('/v1/admin/clock')
        .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .send({ advanceMs: FRAUDNET_RESERVATION_TTL_MS + 1000 });
      expect(move.status).toBeLessThan(300);
      await expect(risk.consumeFraudnetReservation(m.id, f)).rejects.toMatchObject({
        code: 'FRAUDNET_RESERVATION_INVALID',
      });
      const refetch = await fraudnet(m, { merchantUid: f });
      expect(refetch.body.f).not.toBe(f);
      await expect(risk.consumeFraudnetReservation(m.id, refetch.body.f)).resolves.toBeUndefined();
    });
  });
});

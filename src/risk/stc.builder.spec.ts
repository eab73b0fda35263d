import { INDUSTRIES, RETAIL_FULFILLMENTS } from '../merchants/merchant.stc-policy';
import {
  buildStc,
  checkRiskContext,
  checkStcPhone,
  checkValue,
  retainValidContext,
  formatStcDate,
  type StcBuildInput,
  type StcCustomerFacts,
  type StcMerchantFacts,
  toAgainBypass,
  toLoadUIBypass,
  toTossTransactionContext,
} from './stc.builder';
import {
  extraKeysFor,
  STC_BASE_KEYS,
  STC_DEFAULT_EXTRA_KEYS,
  STC_INDUSTRY_EXTRA_KEYS,
  type StcKeySpec,
} from './stc-industry-keys';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const merchant = (over: Partial<StcMerchantFacts> = {}): StcMerchantFacts => ({
  industry: 'gaming_digital_goods',
  retailFulfillment: null,
  paypalAccountId: 'A12345N343',
  ...over,
});
const customer = (over: Partial<StcCustomerFacts> = {}): StcCustomerFacts => ({
  firstName: 'John',
  lastName: 'Doe',
  email: 'john@example.com',
  phone: '+14155550100',
  countryCode: 'US',
  accountCreatedAt: new Date('2023-10-10T14:59:59.123Z'),
  ...over,
});
const build = (over: Partial<StcBuildInput> = {}) =>
  buildStc({
    merchant: merchant(),
    customer: customer(),
    purpose: 'charge',
    riskContext: undefined,
    now: NOW,
    ...over,
  });
const fields = (issues: { field: string }[]) => issues.map((i) => i.field);

describe('buildStc: base keys', () => {
  it('builds the seven base keys from the merchant and the customer, in the seed order, as strings', () => {
    const r = build();
    expect(r).toMatchObject({ policy: 'required', outcome: 'sent', missing: [], contextErrors: [] });
    expect(r.additionalData).toEqual([
      { key: 'sender_account_id', value: 'A12345N343' },
      { key: 'sender_first_name', value: 'John' },
      { key: 'sender_last_name', value: 'Doe' },
      { key: 'sender_email', value: 'john@example.com' },
      // The national number, as seed 004's example sends it ("(02)16705176" beside "KR"): see checkStcPhone.
      { key: 'sender_phone', value: '4155550100' },
      { key: 'sender_country_code', value: 'US' },
      { key: 'sender_create_date', value: '2023-10-10T14:59:59+00:00' },
    ]);
    for (const kv of r.additionalData) expect(typeof kv.value).toBe('string');
  });

  // [case, merchant override, customer override, missing field, error]
  const gaps: [string, Partial<StcMerchantFacts>, Partial<StcCustomerFacts>, string, string][] = [
    ['no PayPal account id', { paypalAccountId: null }, {}, 'sender_account_id', 'missing'],
    ['bad PayPal account id', { paypalAccountId: 'no!' }, {}, 'sender_account_id', 'invalid: not a PayPal account id'],
    ['no phone', {}, { phone: null }, 'sender_phone', 'missing'],
    ['a phone that is not one', {}, { phone: 'call me' }, 'sender_phone', 'invalid: not a phone number'],
    ['no account creation date', {}, { accountCreatedAt: null }, 'sender_create_date', 'missing'],
    [
      'account created in the future',
      {},
      { accountCreatedAt: new Date('2027-01-01T00:00:00Z') },
      'sender_create_date',
      'invalid: in the future',
    ],
    ['an invalid date', {}, { accountCreatedAt: new Date('nope') }, 'sender_create_date', 'invalid: not a date'],
    ['blank first name', {}, { firstName: '   ' }, 'sender_first_name', 'invalid: empty'],
    ['empty last name', {}, { lastName: '' }, 'sender_last_name', 'missing'],
    ['bad email', {}, { email: 'not-an-email' }, 'sender_email', 'invalid: not an email address'],
    [
      'bad country',
      {},
      { countryCode: 'XX' },
      'sender_country_code',
      'invalid: not an ISO 3166-1 alpha-2 country code',
    ],
  ];

  it.each(gaps)('required policy, %s: refused, naming %s', (_, m, c, field, error) => {
    const r = build({ merchant: merchant(m), customer: customer(c) });
    expect(r.outcome).toBe('refused');
    expect(r.missing).toEqual([{ field, source: expect.any(String), errors: [error] }]);
    expect(r.additionalData.map((kv) => kv.key)).not.toContain(field);
  });

  it.each(gaps)('recommended policy, %s: sent_partial without %s', (_, m, c, field) => {
    const r = build({ merchant: merchant({ industry: 'saas', ...m }), customer: customer(c) });
    expect(r.policy).toBe('recommended');
    expect(r.outcome).toBe('sent_partial');
    expect(fields(r.missing)).toEqual([field]);
    expect(r.additionalData).toHaveLength(6);
  });

  it('names every missing field at once', () => {
    const r = build({
      merchant: merchant({ paypalAccountId: null }),
      customer: customer({ phone: null, accountCreatedAt: null }),
    });
    expect(fields(r.missing)).toEqual(['sender_account_id', 'sender_phone', 'sender_create_date']);
    expect(r.missing.map((m) => m.source)).toEqual([
      'merchant.paypalAccountId',
      'customer.phone',
      'customer.accountCreatedAt',
    ]);
  });

  it('never repeats a value in an error', () => {
    const r = build({ customer: customer({ email: 'secret-person@', phone: '555-SECRET' }) });
    expect(JSON.stringify(r.missing)).not.toMatch(/secret/i);
  });

  it('normalises: trims and upper-cases the country', () => {
    const r = build({ customer: customer({ firstName: '  Jane ', countryCode: 'kr' }) });
    expect(r.additionalData).toEqual(
      expect.arrayContaining([
        { key: 'sender_first_name', value: 'Jane' },
        { key: 'sender_country_code', value: 'KR' },
      ]),
    );
  });
});

describe('buildStc: per-industry extra keys from the riskContext', () => {
  // [industry, retailFulfillment, purpose, riskContext, outcome, extra keys sent, missing, context errors]
  const table: [
    string,
    string | null,
    StcBuildInput['purpose'],
    Record<string, unknown>,
    string,
    string[],
    string[],
    string[],
  ][] = [
    [
      'event_ticketing',
      null,
      'charge',
      { dg_delivery_method: 'email', cd_string_one: '2026-05-01', cd_int_one: '2' },
      'sent',
      ['dg_delivery_method', 'cd_string_one', 'cd_int_one'],
      [],
      [],
    ],
    [
      'event_ticketing',
      null,
      'charge',
      { cd_int_one: '2' },
      'refused',
      ['cd_int_one'],
      ['dg_delivery_method', 'cd_string_one'],
      [],
    ],
    ['event_ticketing', null, 'billing_key_issue', {}, 'sent', [], [], []],
    ['event_ticketing', null, 'preflight', {}, 'sent', [], [], []],
    [
      'event_ticketing',
      null,
      'charge',
      { dg_delivery_method: 'pigeon', cd_string_one: '2026-05-01' },
      'refused',
      ['cd_string_one'],
      [],
      ['dg_delivery_method'],
    ],
    [
      'event_ticketing',
      null,
      'charge',
      { dg_delivery_method: 'email', cd_string_one: 'next friday' },
      'refused',
      ['dg_delivery_method'],
      [],
      ['cd_string_one'],
    ],
    ['gaming_digital_goods', null, 'charge', {}, 'sent', [], [], []],
    ['gaming_digital_goods', null, 'charge', { cd_string_one: 'x' }, 'refused', [], [], ['cd_string_one']],
    [
      'marketplace',
      null,
      'charge',
      { receiver_account_id: 'seller-9', transaction_is_tangible: '1', sender_popularity_score: 'high' },
      'sent',
      ['sender_popularity_score', 'receiver_account_id', 'transaction_is_tangible'],
      [],
      [],
    ],
    ['marketplace', null, 'charge', {}, 'refused', [], ['receiver_account_id'], []],
    [
      'marketplace',
      null,
      'charge',
      { receiver_account_id: 'seller-9', transaction_is_tangible: 'yes' },
      'refused',
      ['receiver_account_id'],
      [],
      ['transaction_is_tangible'],
    ],
    [
      'marketplace',
      null,
      'charge',
      { receiver_account_id: 'seller-9', sender_address_zip: 'SW1A 1AA' },
      'refused',
      ['receiver_account_id'],
      [],
      ['sender_address_zip'],
    ],
    [
      'marketplace',
      null,
      'charge',
      { receiver_account_id: 'seller-9', sender_signup_ip: '203.0.113.9' },
      'sent',
      ['sender_signup_ip', 'receiver_account_id'],
      [],
      [],
    ],
    [
      'online_travel',
      null,
      'charge',
      { ota_type: 'lodging', ota_service_start_date: '2026-06-01', ota_start_country: 'jp' },
      'sent',
      ['ota_type', 'ota_service_start_date', 'ota_start_country'],
      [],
      [],
    ],
    ['online_travel', null, 'charge', { ota_type: 'lodging' }, 'refused', ['ota_type'], ['ota_service_start_date'], []],
    [
      'p2p',
      null,
      'charge',
      { receiver_account_id: 'r1', receiver_email: 'r@example.com' },
      'sent',
      ['receiver_account_id', 'receiver_email'],
      [],
      [],
    ],
    ['p2p', null, 'charge', { receiver_account_id: 'r1' }, 'refused', ['receiver_account_id'], ['receiver_email'], []],
    [
      'retail_food',
      'in_store_mobile',
      'charge',
      { dg_delivery_method: 'phone', highrisk_txn_flag: '0' },
      'sent',
      ['dg_delivery_method', 'highrisk_txn_flag'],
      [],
      [],
    ],
    [
      'retail_food',
      'in_store_mobile',
      'charge',
      { dg_delivery_method: 'venue_pickup' },
      'refused',
      [],
      [],
      ['dg_delivery_method'],
    ],
    ['retail_food', 'own_delivery', 'charge', { cd_string_one: 'order-77' }, 'sent', ['cd_string_one'], [], []],
    ['retail_food', 'own_delivery', 'charge', { highrisk_txn_flag: '1' }, 'refused', [], [], ['highrisk_txn_flag']],
    [
      'taxi_ridesharing',
      null,
      'charge',
      { sender_address_zip: '94105', highrisk_txn_flag: '1' },
      'sent',
      ['sender_address_zip', 'highrisk_txn_flag'],
      [],
      [],
    ],
    [
      'saas',
      null,
      'charge',
      { cd_string_one: 'plan-pro', cd_int_one: '3' },
      'sent',
      ['cd_string_one', 'cd_int_one'],
      [],
      [],
    ],
    ['saas', null, 'charge', { cd_int_one: '-3' }, 'refused', [], [], ['cd_int_one']],
    ['saas', null, 'charge', { receiver_account_id: 'r1' }, 'refused', [], [], ['receiver_account_id']],
    ['saas', null, 'charge', { sender_email: 'spoof@example.com' }, 'refused', [], [], ['sender_email']],
    ['saas', null, 'charge', { cd_string_one: 42 }, 'refused', [], [], ['cd_string_one']],
  ];

  it.each(table)(
    '%s/%s %s %j -> %s',
    (industry, retailFulfillment, purpose, riskContext, outcome, sentExtras, missing, errors) => {
      const r = build({ merchant: merchant({ industry, retailFulfillment }), purpose, riskContext });
      expect(r.outcome).toBe(outcome);
      const base = new Set(STC_BASE_KEYS.map((b) => b.key));
      expect(r.additionalData.filter((kv) => !base.has(kv.key)).map((kv) => kv.key)).toEqual(sentExtras);
      expect(fields(r.missing)).toEqual(missing);
      expect(fields(r.contextErrors)).toEqual(errors);
    },
  );

  it('a bad context is refused even for a recommended merchant', () => {
    const r = build({ merchant: merchant({ industry: 'saas' }), riskContext: { nope: 'x' } });
    expect(r.policy).toBe('recommended');
    expect(r.outcome).toBe('refused');
    expect(r.contextErrors).toEqual([
      { field: 'nope', source: 'riskContext.nope', errors: ['not an STC key for industry saas'] },
    ]);
  });

  it('limits the number of context keys', () => {
    const riskContext = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, 'v']));
    expect(fields(build({ riskContext }).contextErrors)).toContain('riskContext');
  });

  it('normalised context values are what is sent', () => {
    const r = build({
      merchant: merchant({ industry: 'online_travel' }),
      riskContext: { ota_type: ' lodging ', ota_service_start_date: '2026-06-01', ota_start_country: 'jp' },
    });
    expect(toTossTransactionContext(r.additionalData)).toMatchObject({ ota_type: 'lodging', ota_start_country: 'JP' });
  });
});

describe('sender_phone (checkStcPhone)', () => {
  // Seed 004 sends the national number ("(02)16705176") with the country in sender_country_code.
  it.each([
    ['+82216705176', 'KR', '0216705176'],
    ['(02)16705176', 'KR', '0216705176'],
    ['+14155550100', 'US', '4155550100'],
    ['+14155550100', 'us', '4155550100'],
    // Another country's number: national digits alone would name the wrong country, so E.164.
    ['+82216705176', 'US', '+82216705176'],
    // Stored before phones were parsed and not a valid number: sent as stored, as before, when it looks like a phone.
    ['+1234567', 'US', '+1234567'],
  ])('%s of a %s customer -> %s', (stored, country, sent) => {
    expect(checkStcPhone(stored, country)).toEqual({ value: sent });
  });
  it('refuses what is not a phone', () => {
    expect(checkStcPhone('call me', 'US')).toEqual({ error: 'invalid: not a phone number' });
  });
  it("a KR customer's stored E.164 phone is sent the seed's way by buildStc", () => {
    const r = build({ customer: customer({ phone: '+82216705176', countryCode: 'KR' }) });
    expect(r.additionalData.find((kv) => kv.key === 'sender_phone')).toEqual({
      key: 'sender_phone',
      value: '0216705176',
    });
  });
});

describe('checkRiskContext / retainValidContext (what a subscription stores)', () => {
  // [industry, a complete context for a charge, the keys a charge cannot do without]
  const table: [string, Record<string, string>, string[]][] = [
    [
      'marketplace',
      { receiver_account_id: 'SELLER-1', receiver_email: 'seller@example.com', transaction_is_tangible: '1' },
      ['receiver_account_id'],
    ],
    [
      'p2p',
      { receiver_account_id: 'FRIEND-1', receiver_email: 'friend@example.com', receiver_address_country_code: 'kr' },
      ['receiver_account_id', 'receiver_email'],
    ],
    [
      'event_ticketing',
      { dg_delivery_method: 'email', cd_string_one: '2026-06-01', cd_int_one: '2' },
      ['dg_delivery_method', 'cd_string_one'],
    ],
    [
      'online_travel',
      { ota_type: 'lodging', ota_service_start_date: '2026-06-01', ota_start_city: 'Seoul' },
      ['ota_type', 'ota_service_start_date'],
    ],
  ];
  it.each(table)(
    '%s: a complete context is accepted and normalised, and a charge with it is sent',
    (industry, context, required) => {
      const checked = checkRiskContext({ industry, retailFulfillment: null }, context);
      expect(checked.errors).toEqual([]);
      expect(Object.keys(checked.context).sort()).toEqual(Object.keys(context).sort());
      const r = build({ merchant: merchant({ industry }), riskContext: checked.context });
      expect(r.outcome).toBe('sent');
      for (const key of Object.keys(context)) expect(r.additionalData.map((kv) => kv.key)).toContain(key);
      expect(required.every((k) => k in context)).toBe(true);
    },
  );
  it.each(table)('%s: without its required keys a charge is refused naming them', (industry, _context, required) => {
    const r = build({ merchant: merchant({ industry }), riskContext: {} });
    expect(r.outcome).toBe('refused');
    expect(fields(r.missing)).toEqual(required);
  });
  it('refuses unknown keys, base keys, non-strings and bad values, naming each and never echoing a value', () => {
    const { context, errors } = checkRiskContext(
      { industry: 'marketplace', retailFulfillment: null },
      {
        receiver_account_id: 'S1',
        ota_type: 'x',
        sender_email: 'x@example.com',
        txn_count_total: 3,
        receiver_email: 'secret-not-an-email',
      },
    );
    expect(context).toEqual({ receiver_account_id: 'S1' });
    expect(fields(errors)).toEqual(['ota_type', 'sender_email', 'txn_count_total', 'receiver_email']);
    expect(JSON.stringify(errors)).not.toContain('secret');
  });
  it('bounds the number of keys and the value size', () => {
    const many = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, 'v']));
    expect(fields(checkRiskContext({ industry: 'marketplace', retailFulfillment: null }, many).errors)).toContain(
      'riskContext',
    );
    expect(
      checkRiskContext({ industry: 'marketplace', retailFulfillment: null }, { business_name: 'x'.repeat(256) }).errors,
    ).toHaveLength(1);
  });
  it('a stored context keeps what the industry still takes and names what it dropped', () => {
    const stored = { receiver_account_id: 'S1', receiver_email: 'seller@example.com', business_name: 'Shop' };
    expect(retainValidContext({ industry: 'p2p', retailFulfillment: null }, stored)).toEqual({
      context: { receiver_account_id: 'S1', receiver_email: 'seller@example.com' },
      dropped: ['business_name'],
    });
  });
});

describe('checkValue', () => {
  const spec = (format: StcKeySpec['format'], values?: string[]): StcKeySpec => ({ key: 'k', format, values });
  // [format, value, ok]
  const table: [StcKeySpec['format'], string, boolean][] = [
    ['text', 'hello', true],
    ['text', 'x'.repeat(256), false],
    ['text', 'tab\there', false],
    ['email', 'a@b.co', true],
    ['email', 'a@', false],
    ['phone', '(02)16705176', true],
    ['phone', '+82 2-1670-5176', true],
    ['phone', '12345', false],
    ['country', 'KR', true],
    ['country', 'KOR', false],
    ['us_zip', '94105-1234', true],
    ['us_zip', '9410', false],
    ['ip', '2001:db8::1', true],
    ['ip', '999.1.1.1', false],
    ['int', '0', true],
    ['int', '007', false],
    ['flag', '1', true],
    ['flag', 'true', false],
    ['date', '2023-10-10T23:59:59+09:00', true],
    ['date', '2023-02-30', false],
    ['paypal_account', '7WBB3CKT63FRG', true],
    ['paypal_account', '7WBB-3CKT', false],
  ];
  it.each(table)('%s %j -> %s', (format, value, ok) => {
    expect('value' in checkValue(spec(format), value)).toBe(ok);
  });
  it('enum', () => {
    expect(checkValue(spec('enum', ['a', 'b']), 'b')).toEqual({ value: 'b' });
    expect(checkValue(spec('enum', ['a', 'b']), 'c')).toEqual({ error: 'invalid: one of a, b' });
  });
});

describe('the three shapes', () => {
  const data = [
    { key: 'sender_account_id', value: 'A12345N343' },
    { key: 'sender_country_code', value: 'KR' },
  ];

  it('IMP.loadUI bypass: an object with additional_data as [{ key, value }]', () => {
    expect(toLoadUIBypass(data)).toEqual({ paypal_v2: { additional_data: data } });
  });

  it('again bypass: the same object as a JSON string', () => {
    const s = toAgainBypass(data);
    expect(typeof s).toBe('string');
    expect(s).toBe(
      '{"paypal_v2":{"additional_data":[{"key":"sender_account_id","value":"A12345N343"},{"key":"sender_country_code","value":"KR"}]}}',
    );
    expect(JSON.parse(s)).toEqual(toLoadUIBypass(data));
  });

  it('Toss setTransactionContext: a flat object', () => {
    expect(toTossTransactionContext(data)).toEqual({ sender_account_id: 'A12345N343', sender_country_code: 'KR' });
  });

  it('the shapes do not alias the input', () => {
    const out = toLoadUIBypass(data);
    out.paypal_v2.additional_data[0].value = 'changed';
    expect(data[0].value).toBe('A12345N343');
  });

  it('formatStcDate: ISO 8601 with offset, whole seconds', () => {
    expect(formatStcDate(new Date('2023-10-10T14:59:59.999Z'))).toBe('2023-10-10T14:59:59+00:00');
  });
});

describe('the per-industry key table (data)', () => {
  it('every accepted industry and retail fulfilment resolves to a list of unique, well-formed keys', () => {
    for (const industry of INDUSTRIES) {
      for (const f of industry === 'retail_food' ? RETAIL_FULFILLMENTS : [null]) {
        const keys = extraKeysFor(industry, f).map((k) => k.key);
        expect(new Set(keys).size).toBe(keys.length);
        for (const k of keys) expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
      }
    }
  });

  it('no extra key shadows a base key, and every enum has values', () => {
    const base = new Set(STC_BASE_KEYS.map((b) => b.key));
    for (const list of [...Object.values(STC_INDUSTRY_EXTRA_KEYS), STC_DEFAULT_EXTRA_KEYS]) {
      for (const spec of list ?? []) {
        expect(base.has(spec.key)).toBe(false);
        if (spec.format === 'enum') expect(spec.values?.length).toBeGreaterThan(0);
      }
    }
  });

  it('lower-risk industries and retail deliveries use the default list; unknown industries too', () => {
    expect(extraKeysFor('saas')).toBe(STC_DEFAULT_EXTRA_KEYS);
    expect(extraKeysFor('retail_food', 'third_party_delivery')).toBe(STC_DEFAULT_EXTRA_KEYS);
    expect(extraKeysFor('something_new')).toBe(STC_DEFAULT_EXTRA_KEYS);
    expect(extraKeysFor('retail_food', 'in_store_mobile')).toBe(STC_INDUSTRY_EXTRA_KEYS.retail_food);
  });
});

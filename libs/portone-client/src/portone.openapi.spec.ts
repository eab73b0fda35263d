import { shapeProblem } from '@app/pg-http';
// The client judged by PortOne's official V1 OpenAPI (vendored in libs/pg-sandbox/src/testing/vendor): what it sends
// against the operations' parameters, and whether its response validators accept what the document allows.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import { PortoneOpenApi } from '@app/pg-sandbox/testing/portone-openapi';
import { newHttpService } from '../../pg-http/test/fake-http.server';
import { PortoneClient } from './portone.client';
import {
  portoneAccessTokenShape,
  portoneCustomerShape,
  portonePaymentPageShape,
  portonePaymentShape,
} from './portone.types';

const ACCT = 'portone-openapi';
const creds = { impKey: `sbx_key_${ACCT}`, impSecret: `sbx_secret_${ACCT}` };
const spec = PortoneOpenApi.load();

interface Sent {
  method: string;
  template: string;
  body: unknown;
  query: Record<string, unknown>;
  params: Record<string, unknown>;
}

describe('PortoneClient requests against the OpenAPI parameters', () => {
  let app: FastifyInstance;
  let client: PortoneClient;
  let origin: string;
  const sent: Sent[] = [];
  let seq = 0;
  const uid = (p: string) => `${p}-${++seq}`;

  beforeAll(async () => {
    app = Fastify({ logger: false, forceCloseConnections: true });
    // Root hooks see the plugin's requests once their body is parsed: exactly what the client put on the wire.
    app.addHook('preHandler', async (req) => {
      const m = /^\/sandbox\/portone(\/.*)$/.exec(req.routeOptions.url ?? '');
      if (!m || m[1].startsWith('/buyer')) return;
      sent.push({
        method: req.method,
        template: m[1].replace(/:(\w+)/g, '{$1}'),
        body: req.body,
        query: req.query as Record<string, unknown>,
        params: req.params as Record<string, unknown>,
      });
    });
    await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = new PortoneClient(newHttpService(), {
      baseUrl: `${origin}/sandbox/portone`,
      timeoutMs: 5_000,
      sandbox: true,
    });
  });
  afterAll(async () => {
    client.onModuleDestroy();
    await app.close();
  });
  beforeEach(() => {
    sent.length = 0;
  });

  const issue = async () => {
    const customer_uid = uid('cu');
    const res = await fetch(`${origin}/sandbox/portone/buyer/billing-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userCode: `imp_sbx_${ACCT}`,
        request: { pg: 'paypal_v2', pay_method: 'paypal', merchant_uid: uid('issue'), customer_uid },
        buyer: { country: 'US' },
      }),
    });
    expect(res.status).toBe(200);
    return customer_uid;
  };

  /** Every request recorded so far, checked: body, query and path against the operation's parameters. */
  const problems = () =>
    sent.flatMap((r) => {
      const where = `${r.method} ${r.template}`;
      const errors = [
        ...(r.method === 'POST' ? spec.validateRequest(r.method, r.template, r.body, { pg: 'paypal_v2' }) : []),
        ...spec.validateRequest(r.method, r.template, r.query, { in: 'query' }),
        ...spec.validateRequest(r.method, r.template, r.params, { in: 'path' }),
      ];
      return errors.map((e) => `${where}: ${e}`);
    });

  it('every call of a billing cycle sends what the document accepts', async () => {
    const customer_uid = await issue();
    const merchant_uid = uid('m');
    const charged = await client.again(creds, {
      customer_uid,
      merchant_uid,
      currency: 'USD',
      amount: 10.5,
      name: 'N'.repeat(40),
      buyer_name: 'Buyer',
      buyer_email: 'b@example.com',
      custom_data: { subscription: 's1' },
      notice_url: 'https://merchant.example/webhooks/portone',
      bypass: { paypal_v2: { additional_data: [{ key: 'sender_account_id', value: 'A1' }] } },
    });
    expect(charged).toMatchObject({ kind: 'ok', data: { status: 'paid' } });
    if (charged.kind !== 'ok') return;
    expect((await client.getPayment(creds, charged.data.imp_uid, { extension: true })).kind).toBe('ok');
    expect((await client.findPayment(creds, merchant_uid, 'paid')).kind).toBe('ok');
    expect((await client.findAllPayments(creds, merchant_uid)).kind).toBe('ok');
    expect(
      (
        await client.cancel(creds, {
          imp_uid: charged.data.imp_uid,
          amount: 1,
          checksum: 10.5,
          reason: 'partial refund',
          enable_webhook: true,
        })
      ).kind,
    ).toBe('ok');
    expect((await client.cancel(creds, { merchant_uid, reason: 'refund' })).kind).toBe('ok');
    expect((await client.getCustomer(creds, customer_uid)).kind).toBe('ok');
    expect((await client.deleteCustomer(creds, customer_uid, { reason: 'closed' })).kind).toBe('ok');
    expect(new Set(sent.map((r) => `${r.method} ${r.template}`)).size).toBeGreaterThanOrEqual(8);
    expect(problems()).toEqual([]);
  });

  it('again refuses a 41-character name (the OpenAPI maxLength is 40)', async () => {
    const out = await client.again(creds, {
      customer_uid: await issue(),
      merchant_uid: uid('m'),
      currency: 'USD',
      amount: 1,
      name: 'N'.repeat(41),
    });
    expect(out.kind).toBe('invalid_request');
  });

  it('again never sends notice_url as an array (the OpenAPI and seed 004 give it type string)', async () => {
    const urls = ['https://a.example/h', 'https://b.example/h'] as unknown as string;
    const out = await client.again(creds, {
      customer_uid: await issue(),
      merchant_uid: uid('m'),
      currency: 'USD',
      amount: 1,
      name: 'n',
      notice_url: urls,
    });
    expect(out.kind).toBe('invalid_request');
    expect(problems()).toEqual([]);
  });
});

/** A value of a Swagger type (the first enum value where there is one). */
function sample(schema: Record<string, any>): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return 'x';
    case 'integer':
      return 1;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return {};
  }
}

describe('PortOne client response validators against the OpenAPI definitions', () => {
  const definitions = spec.doc.definitions as Record<
    string,
    { required?: string[]; properties: Record<string, Record<string, any>> }
  >;
  /** Only the required fields, then every other field null: both are answers the document allows. */
  const minimal = (name: string, overrides: Record<string, unknown> = {}) => {
    const def = definitions[name];
    return { ...Object.fromEntries((def.required ?? []).map((f) => [f, sample(def.properties[f])])), ...overrides };
  };
  const allNull = (name: string, overrides: Record<string, unknown> = {}) => {
    const def = definitions[name];
    const required = new Set(def.required ?? []);
    return {
      ...Object.fromEntries(
        Object.keys(def.properties).map((f) => [f, required.has(f) ? sample(def.properties[f]) : null]),
      ),
      ...overrides,
    };
  };
  const cases = [
    ['PaymentAnnotation', portonePaymentShape, { status: 'paid', imp_uid: 'imp_1', currency: 'USD' }],
    ['CustomerAnnotation', portoneCustomerShape, { customer_uid: 'cu_1' }],
    ['PagedPaymentAnnotation', portonePaymentPageShape, {}],
    ['AuthAnnotation', portoneAccessTokenShape, {}],
  ] as const;

  it.each(cases)(
    '%s: the client accepts an answer with only the required fields, and one with every other field null',
    (name, shape, overrides) => {
      for (const body of [minimal(name, overrides), allNull(name, overrides)]) {
        expect(spec.validateDefinition(name, body)).toEqual([]);
        expect(shapeProblem(shape, body, 'response')).toBeNull();
      }
    },
  );

  it.each(cases)(
    '%s: the client refuses a wrong type in any field it checks that the document types',
    (name, shape, overrides) => {
      const def = definitions[name];
      const refused: string[] = [];
      const accepted: string[] = [];
      for (const [field, schema] of Object.entries(def.properties)) {
        // A value of the wrong JSON type (a string for numbers and booleans, a number for strings); a fraction for integers.
        const wrongs =
          schema.type === 'string'
            ? [12]
            : schema.type === 'integer'
              ? ['x', 1.5]
              : schema.type === 'number' || schema.type === 'boolean'
                ? ['x']
                : [];
        for (const wrong of wrongs) {
          const body = allNull(name, { ...overrides, [field]: wrong });
          expect(spec.validateDefinition(name, body).length).toBeGreaterThan(0);
          (shapeProblem(shape, body, 'response') === null ? accepted : refused).push(
            `${field}=${JSON.stringify(wrong)}`,
          );
        }
      }
      // A field the client lets through unchecked would reach callers typed as what the interface promises.
      expect({ name, accepted }).toEqual({ name, accepted: [] });
      expect(refused.length).toBeGreaterThan(0);
    },
  );

  it('PaymentCancelAnnotation inside cancel_history: the same holds', () => {
    const entry = minimal('PaymentCancelAnnotation');
    const payment = (cancel: Record<string, unknown>) =>
      allNull('PaymentAnnotation', { status: 'paid', imp_uid: 'imp_1', currency: 'USD', cancel_history: [cancel] });
    expect(shapeProblem(portonePaymentShape, payment(entry), 'response')).toBeNull();
    for (const [field, wrong] of [
      ['amount', '1'],
      ['cancelled_at', 1.5],
      ['cancelled_at', 'x'],
      ['reason', 5],
      ['cancellation_id', 5],
      ['pg_tid', 5],
    ] as const) {
      const body = payment({ ...entry, [field]: wrong });
      expect(spec.validateDefinition('PaymentAnnotation', body).length).toBeGreaterThan(0);
      expect({ field, wrong, problem: shapeProblem(portonePaymentShape, body, 'response') }).toEqual({
        field,
        wrong,
        problem: expect.any(String),
      });
    }
  });
});

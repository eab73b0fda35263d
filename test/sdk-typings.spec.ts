import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

/**
 * What our API hands to the browser SDKs, checked against the SDKs' OFFICIAL typings with the TypeScript compiler
 * (jest runs swc, which never type-checks): the Toss `paymentRequest` against the parameter of
 * `@tosspayments/tosspayments-sdk`'s `requestPayment`, and the PortOne `loadUI.request` against `iamport-typings`'
 * `RequestPayParams` plus the two fields seed 004 documents for loadUI that the typings lack (`customer_id`,
 * `bypass`). The JSON is assigned as an object literal, so excess-property checks apply. One program for all checks,
 * held in memory (nothing is written or cached on disk).
 */

const ROOT = resolve(__dirname, '..');
/** Virtual files, placed in test/ so that node_modules resolves as it does for our own code. */
const TOSS = join(ROOT, 'test', '__sdk_typings_toss__.ts');
const LOADUI = join(ROOT, 'test', '__sdk_typings_loadui__.ts');
const NEGATIVE = join(ROOT, 'test', '__sdk_typings_negative__.ts');

const HEADER = `
import type { TossPaymentsPayment } from '@tosspayments/tosspayments-sdk';
import type { RequestPayParams } from 'iamport-typings/src/RequestPayParams';

/** What payment.requestPayment() takes for foreign easy pay (its redirect overload). */
type TossPaymentRequest = Parameters<TossPaymentsPayment['requestPayment']>[0];
/** The overload picked must be foreign easy pay's: a wrong pick would make the check meaningless. */
const method: TossPaymentRequest['method'] = 'FOREIGN_EASY_PAY';
void method;

/** Seed 004 (loadUI request object): customer_id (string, optional) and bypass (object) on top of request_pay's. */
interface LoadUIRequest extends RequestPayParams {
  customer_id?: string;
  bypass?: { paypal_v2: { additional_data: Array<{ key: string; value: string }> } };
}
`;

const literal = (v: unknown) => JSON.stringify(v, null, 2);

function source(objects: { toss?: unknown; loadUI?: unknown }): string {
  return [
    HEADER,
    ...(objects.toss !== undefined ? [`export const tossRequest: TossPaymentRequest = ${literal(objects.toss)};`] : []),
    ...(objects.loadUI !== undefined
      ? [`export const loadUIRequest: LoadUIRequest = ${literal(objects.loadUI)};`]
      : []),
    '',
  ].join('\n');
}

interface Finding {
  file: string;
  line: number;
  code: number;
  message: string;
}

/** One in-memory program over both virtual files; the diagnostics of each (plus global ones on the first). */
function check(files: Record<string, string>): Record<string, Finding[]> {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // The browser SDK typings use DOM types.
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (
    (exists) => (f: string) =>
      f in files || exists(f)
  )(host.fileExists.bind(host));
  host.readFile = (f) => (f in files ? files[f] : readFile(f));
  host.getSourceFile = (f, lang, onError, create) =>
    f in files ? ts.createSourceFile(f, files[f], lang, true) : getSourceFile(f, lang, onError, create);
  host.writeFile = () => {
    throw new Error('the typings check must not write files');
  };
  const program = ts.createProgram(Object.keys(files), options, host);
  const flat = (d: ts.Diagnostic): Finding => {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return {
      file: d.file?.fileName ?? '(global)',
      line: pos ? pos.line + 1 : 0,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  };
  const out: Record<string, Finding[]> = {};
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(flat);
  Object.keys(files).forEach((f, i) => {
    const sf = program.getSourceFile(f)!;
    out[f] = [
      ...(i === 0 ? global : []),
      ...[...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(flat),
    ];
  });
  return out;
}

describe('objects handed to the PG browser SDKs compile against the official typings', () => {
  let t: TestApp;
  let toss: Record<string, any>;
  let loadUI: Record<string, any>;
  let found: Record<string, Finding[]>;

  beforeAll(async () => {
    t = await startTestApp();
    const m = await createMerchant(t);
    const auth = { authorization: `Bearer ${m.apiKey}` };
    const customer = await t.http().post('/v1/customers').set(auth).send({
      email: 'typings@example.com',
      firstName: 'Ty',
      lastName: 'Pings',
      phone: '+14155550123',
      countryCode: 'US',
      accountCreatedAt: '2024-01-15T10:00:00Z',
    });
    expect(customer.status).toBe(201);
    const order = await t
      .http()
      .post('/v1/toss/orders')
      .set(auth)
      .send({ orderName: 'Pro plan', amount: 1999, currency: 'USD', customerId: customer.body.id });
    expect(order.status).toBe(201);
    toss = order.body.paymentRequest;
    const key = await t
      .http()
      .post('/v1/billing-keys')
      .set(auth)
      .send({
        gateway: 'portone-paypal-rt',
        customerId: customer.body.id,
        name: 'Pro plan agreement',
        customData: { plan: 'pro' },
      });
    expect(key.status).toBe(201);
    loadUI = key.body.loadUI.request;

    // Deliberately wrong: STC beside foreignEasyPay (the shape the SDK drops), and a loadUI field the typings lack.
    const { paymentMethodOptions: _inside, ...fep } = toss.foreignEasyPay;
    const wrongToss = {
      ...toss,
      foreignEasyPay: fep,
      paymentMethodOptions: { paypal: { setTransactionContext: { sender_email: 'typings@example.com' } } },
    };
    const wrongLoadUI = { ...loadUI, not_a_request_pay_field: true };
    found = check({
      [TOSS]: source({ toss }),
      [LOADUI]: source({ loadUI }),
      [NEGATIVE]: source({ toss: wrongToss, loadUI: wrongLoadUI }),
    });
  });
  afterAll(() => t?.close());

  it('checks real responses that carry PayPal STC', () => {
    expect(toss.foreignEasyPay.paymentMethodOptions.paypal.setTransactionContext).toMatchObject({
      sender_email: 'typings@example.com',
    });
    expect(loadUI.bypass.paypal_v2.additional_data).toEqual(
      expect.arrayContaining([{ key: 'sender_email', value: 'typings@example.com' }]),
    );
  });

  it('POST /v1/toss/orders paymentRequest (with STC) compiles against requestPayment: zero diagnostics', () => {
    expect(found[TOSS]).toEqual([]);
  });

  it('POST /v1/billing-keys loadUI.request compiles against RequestPayParams + customer_id/bypass', () => {
    expect(found[LOADUI]).toEqual([]);
  });

  it('negative control: the wrong objects do not compile (so the check cannot pass vacuously)', () => {
    const neg = found[NEGATIVE];
    // 2353: "Object literal may only specify known properties" — excess-property checks are in force for both.
    expect(neg).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 2353,
          message: expect.stringMatching(
            /paymentMethodOptions.* does not exist in type 'WithRedirection<ForeignEasyPayPaymentRequest>'/,
          ),
        }),
        expect.objectContaining({
          code: 2353,
          message: expect.stringMatching(/not_a_request_pay_field.* does not exist in type 'LoadUIRequest'/),
        }),
      ]),
    );
    expect(neg.every((f) => f.file === NEGATIVE)).toBe(true);
  });

  it('resolves the official typings packages (not a stand-in)', () => {
    expect(require.resolve('@tosspayments/tosspayments-sdk/package.json', { paths: [dirname(TOSS)] })).toContain(
      join('node_modules', '@tosspayments', 'tosspayments-sdk'),
    );
    expect(require.resolve('iamport-typings/package.json', { paths: [dirname(TOSS)] })).toContain(
      join('node_modules', 'iamport-typings'),
    );
  });
});

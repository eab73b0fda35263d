import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import type { PaymentOutcome } from '../pg.outcomes';
import { REFERENCE_DESCRIPTOR, ReferenceAdapter, type ReferenceCredentials } from '../reference/reference.adapter';
import { CONFORMANCE_CASES, ConformanceSession, type ConformanceHarness } from './pg.conformance';
import { portoneSandboxBuyer, portoneSandboxControl } from './pg.sandbox-control';

/**
 * The suite must fail adapters that break the contract: each mutant below is the reference adapter with one classic
 * payments bug, and the case that guards against that bug must reject it. (The unmodified adapter passes every case
 * in reference.adapter.spec.ts.)
 */

type Mutation = (a: ReferenceAdapter) => void;

function wrapCharge(a: ReferenceAdapter, change: (o: PaymentOutcome, reference: string) => PaymentOutcome): void {
  const original = a.chargeBillingKey.bind(a);
  a.chargeBillingKey = async (c, i, o) => change(await original(c, i, o), i.reference);
}

const MUTANTS: ReadonlyArray<[string, string, RegExp, Mutation]> = [
  [
    'calls a timeout NOT_SENT',
    'answers UNKNOWN when the PG did the work but the answer never came; the lookup finds the truth',
    /payment whose answer was lost: expected UNKNOWN/,
    (a) => wrapCharge(a, (o) => (o.status === 'UNKNOWN' ? { status: 'NOT_SENT', reason: 'connection', retryable: true, code: 'X', message: 'x' } : o)),
  ],
  [
    'calls a reset connection a success',
    'never reports success when the connection is reset before the PG did anything; the reference can then be paid once',
    /payment whose connection was reset: expected UNKNOWN/,
    (a) =>
      wrapCharge(a, (o, reference) =>
        o.status === 'UNKNOWN' ? { status: 'SUCCEEDED', gatewayPaymentId: 'x', reference, amount: { amount: 1200, currency: 'USD' }, refunded: { amount: 0, currency: 'USD' }, rawStatus: 'paid' } : o,
      ),
  ],
  [
    'calls a 5xx a decline',
    'answers UNKNOWN (never a decline) for a 5xx from the PG',
    /payment answered 500: expected UNKNOWN/,
    (a) => wrapCharge(a, (o) => (o.status === 'UNKNOWN' ? { status: 'DECLINED', kind: 'soft', code: 'SERVER', message: 'x' } : o)),
  ],
  [
    'calls PayPal pending a decline',
    'reports a pending payment as PENDING (never a decline) until it settles',
    /pending payment: expected PENDING/,
    (a) => wrapCharge(a, (o) => (o.status === 'PENDING' ? { status: 'DECLINED', kind: 'soft', code: 'X', message: 'x' } : o)),
  ],
  [
    'swaps hard and soft declines',
    'maps declines to hard and soft, with the PG code, and charges nothing',
    /decline AGREEMENT_ALREADY_CANCELLED mapped to soft/,
    (a) => wrapCharge(a, (o) => (o.status === 'DECLINED' ? { ...o, kind: o.kind === 'hard' ? 'soft' : 'hard' } : o)),
  ],
  [
    'declines a replay of a paid reference',
    'replays the same reference without a second charge',
    /replay: expected SUCCEEDED or UNKNOWN/,
    (a) => {
      const seen = new Set<string>();
      wrapCharge(a, (o, reference) => {
        if (seen.has(reference)) return { status: 'DECLINED', kind: 'hard', code: 'DUPLICATE', message: 'x' };
        if (o.status === 'SUCCEEDED') seen.add(reference);
        return o;
      });
    },
  ],
  [
    'skips the integrity check on lookups',
    'turns a report that differs from what was asked into MISMATCH, never success',
    /expecting another amount: expected MISMATCH/,
    (a) => {
      const original = a.retrieve.bind(a);
      a.retrieve = async (c, i, o) => {
        const found = await original(c, i, o);
        return found.status === 'MISMATCH' ? { status: 'SUCCEEDED', gatewayPaymentId: found.gatewayPaymentId, reference: 'x', amount: i.expected, refunded: { amount: 0, currency: i.expected.currency }, rawStatus: found.rawStatus } : found;
      };
    },
  ],
  [
    'reads a failed lookup as not found',
    'answers UNKNOWN, never NOT_FOUND, when a lookup itself fails',
    /answered 503: expected UNKNOWN/,
    (a) => {
      const original = a.retrieveByReference.bind(a);
      a.retrieveByReference = async (c, i, o) => {
        const found = await original(c, i, o);
        return found.status === 'UNKNOWN' ? { status: 'NOT_FOUND', message: 'x' } : found;
      };
    },
  ],
  [
    'passes the webhook status on',
    'treats a webhook as a pointer to re-fetch: a forged status changes nothing',
    /parseWebhook returned a status/,
    (a) => {
      const original = a.parseWebhook.bind(a);
      a.parseWebhook = (c, i) => ({ ...original(c, i), status: (i.body as { status?: unknown } | null)?.status }) as unknown as ReturnType<typeof original>;
    },
  ],
  [
    'reports a pending cancel as done',
    'reports a cancel the PG has not approved as PENDING, not done',
    /cancel held by the PG: expected PENDING/,
    (a) => {
      const original = a.cancel.bind(a);
      a.cancel = async (c, i, o) => {
        const r = await original(c, i, o);
        return r.status === 'PENDING' ? { status: 'SUCCEEDED', refunded: r.requested, totalRefunded: r.requested, remaining: { ...r.requested, amount: 0 }, rawStatus: 'cancelled' } : r;
      };
    },
  ],
  [
    'activates a key from any paid pointer',
    'does not activate a key from a pointer to another issuance (forged callback)',
    /another issuance pointer: expected FAILED/,
    (a) => {
      const original = a.completeBillingKey.bind(a);
      a.completeBillingKey = async (c, i, o) => {
        const r = await original(c, i, o);
        return r.status === 'FAILED' && r.code === 'REFERENCE_MISMATCH' ? { status: 'ACTIVE', billingKey: i.billingKey, rawStatus: 'paid' } : r;
      };
    },
  ],
  [
    'sends a refused currency to the PG (and calls the refusal NOT_SENT)',
    'refuses a currency the gateway does not take before sending anything',
    /the refused request reached the PG/,
    (a) => {
      // An adapter without the preflight: what it declares refused still goes out, only the answer is dressed up.
      const charge = ReferenceAdapter.prototype.chargeBillingKey;
      const unchecked = Object.create(a, {
        descriptor: { value: { ...a.descriptor, capabilities: { ...a.descriptor.capabilities, currencies: ['USD', 'KRW'], refusesCurrencies: [] } } },
      }) as ReferenceAdapter;
      a.chargeBillingKey = async (c, i, o) => {
        const r = await charge.call(unchecked, c, i, o);
        return i.amount.currency === 'KRW' ? { status: 'NOT_SENT', reason: 'invalid_request', retryable: false, code: 'CURRENCY_NOT_SUPPORTED', message: 'x' } : r;
      };
    },
  ],
  [
    'calls a revoked key a soft decline',
    'revokes a billing key idempotently, and a charge on it is a hard decline that takes nothing',
    /a revoked key must be a hard decline/,
    (a) => wrapCharge(a, (o) => (o.status === 'DECLINED' ? { ...o, kind: 'soft' } : o)),
  ],
];

describe('conformance suite against broken adapters', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/sandbox`;
  });
  afterAll(() => app.close());

  function harness(mutate: Mutation): ConformanceHarness<ReferenceCredentials> {
    const acct = `mut-${randomBytes(4).toString('hex')}`;
    const adapter = new ReferenceAdapter({ baseUrl: `${base}/portone`, timeoutMs: 300, includeSandbox: true });
    mutate(adapter);
    return {
      adapter,
      credentials: { userCode: `imp_sbx_${acct}`, impKey: `sbx_key_${acct}`, impSecret: `sbx_secret_${acct}` },
      currency: 'USD',
      refusedCurrency: 'KRW',
      newReference: () => `mut-${randomBytes(8).toString('hex')}`,
      declines: { hard: 'AGREEMENT_ALREADY_CANCELLED', soft: 'INSTRUMENT_DECLINED' },
      sandbox: portoneSandboxControl(base, acct),
      buyer: portoneSandboxBuyer(base),
      forgeWebhook: (t, status) => ({ headers: {}, body: { imp_uid: t.gatewayPaymentId, merchant_uid: t.reference, status } }),
    };
  }

  it('has a mutant for every case that guards a payments bug, and names real cases', () => {
    const titles = new Set(CONFORMANCE_CASES.map((c) => c.title));
    for (const [, title] of MUTANTS) expect(titles).toContain(title);
    expect(new Set(MUTANTS.map(([, title]) => title)).size).toBe(MUTANTS.length);
  });

  it.each(MUTANTS)('fails an adapter that %s', async (_bug, title, why, mutate) => {
    const h = harness(mutate);
    const session = new ConformanceSession(h, REFERENCE_DESCRIPTOR);
    const c = CONFORMANCE_CASES.find((x) => x.title === title)!;
    try {
      // It must fail for its bug, not for anything else.
      await expect(c.run(session as ConformanceSession<never>)).rejects.toThrow(why);
    } finally {
      await h.sandbox.clearFaults();
    }
  });

  it('passes the same cases with the unmodified adapter (the mutants fail for their bug, not for the harness)', async () => {
    const h = harness(() => undefined);
    const session = new ConformanceSession(h, REFERENCE_DESCRIPTOR);
    for (const [, title] of MUTANTS) {
      await CONFORMANCE_CASES.find((x) => x.title === title)!.run(session as ConformanceSession<never>);
      await h.sandbox.clearFaults();
    }
  });
});

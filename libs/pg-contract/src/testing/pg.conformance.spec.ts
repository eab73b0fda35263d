import type { PaymentOutcome } from '../pg.outcomes';
import {
  CONFORMANCE_CASES,
  ConformanceSession,
  describeGatewayConformance,
  type ConformanceHarness,
} from './pg.conformance';
import { DummyAdapter, dummyDescriptor, type DummyCredentials, type DummyKind } from './pg.dummy-adapter';
import { DummyPg } from './pg.dummy-pg';

/**
 * The suite's self-test, against the in-memory dummy gateway only (the real adapters run the suite in their own
 * folders): the unmodified dummy passes every case of each kind, and each mutant below (the dummy with one classic
 * payments bug) fails the case that guards against that bug, for that bug.
 */

const KINDS: readonly DummyKind[] = ['billing-keys', 'billing-keys-redirect', 'one-time'];

function harness(
  kind: DummyKind,
  mutate: (a: DummyAdapter) => void = () => undefined,
): ConformanceHarness<DummyCredentials> {
  const pg = new DummyPg({ mintsKeys: kind === 'billing-keys-redirect', redirect: kind === 'billing-keys-redirect' });
  const adapter = new DummyAdapter(pg, kind);
  mutate(adapter);
  let n = 0;
  return {
    adapter,
    credentials: { merchant: 'dummy-merchant' },
    currency: 'USD',
    refusedCurrency: 'KRW',
    newReference: () => `ref-${kind}-${++n}`,
    declines: { hard: 'HARD_DECLINE', soft: 'SOFT_DECLINE' },
    sandbox: pg.control(),
    buyer: pg.buyer(),
    forgeWebhook: (t, status) => ({
      headers: {},
      body: { paymentId: t.gatewayPaymentId, reference: t.reference, status },
    }),
    forgedStatus: 'refunded',
    tamperCheckoutAmount: (query, amount) => ({ ...query, amount: String(amount.amount) }),
  };
}

for (const kind of KINDS)
  describeGatewayConformance(`DummyAdapter (${kind})`, dummyDescriptor(kind), async () => harness(kind));

type Mutation = (a: DummyAdapter) => void;

function wrapCharge(change: (o: PaymentOutcome, reference: string) => PaymentOutcome): Mutation {
  return (a) => {
    const original = a.chargeBillingKey!;
    a.chargeBillingKey = async (c, i) => change(await original(c, i), i.reference);
  };
}
function wrapPay(change: (o: PaymentOutcome) => PaymentOutcome): Mutation {
  return (a) => {
    if (a.chargeBillingKey) return wrapCharge(change)(a);
    const original = a.confirm!;
    a.confirm = async (c, i) => change(await original(c, i));
  };
}

/** [bug, kind, case title, why it must fail, mutation] */
const MUTANTS: ReadonlyArray<[string, DummyKind, string, RegExp, Mutation]> = [
  [
    'calls a timeout NOT_SENT',
    'billing-keys',
    'answers UNKNOWN when the PG did the work but the answer never came; the lookup finds the truth',
    /payment whose answer was lost: expected UNKNOWN/,
    wrapPay((o) =>
      o.status === 'UNKNOWN'
        ? { status: 'NOT_SENT', reason: 'connection', retryable: true, code: 'X', message: 'x' }
        : o,
    ),
  ],
  [
    'calls a reset connection a success',
    'one-time',
    'never reports success when the connection is reset before the PG did anything; the reference can then be paid once',
    /payment whose connection was reset: expected UNKNOWN/,
    wrapPay((o) =>
      o.status === 'UNKNOWN'
        ? {
            status: 'SUCCEEDED',
            gatewayPaymentId: 'x',
            reference: 'x',
            amount: { amount: 1200, currency: 'USD' },
            refunded: { amount: 0, currency: 'USD' },
            rawStatus: 'paid',
          }
        : o,
    ),
  ],
  [
    'calls a 5xx a decline',
    'billing-keys-redirect',
    'answers UNKNOWN (never a decline) for a 5xx from the PG',
    /payment answered 500: expected UNKNOWN/,
    wrapPay((o) => (o.status === 'UNKNOWN' ? { status: 'DECLINED', kind: 'soft', code: 'SERVER', message: 'x' } : o)),
  ],
  [
    'calls a pending payment a decline',
    'billing-keys',
    'reports a pending payment as PENDING (never a decline) until it settles',
    /pending payment: expected PENDING/,
    wrapPay((o) => (o.status === 'PENDING' ? { status: 'DECLINED', kind: 'soft', code: 'X', message: 'x' } : o)),
  ],
  [
    'swaps hard and soft declines',
    'one-time',
    'maps declines to hard and soft, with the PG code, and charges nothing',
    /decline HARD_DECLINE mapped to soft/,
    wrapPay((o) => (o.status === 'DECLINED' ? { ...o, kind: o.kind === 'hard' ? 'soft' : 'hard' } : o)),
  ],
  [
    'declines a replay of a paid reference',
    'billing-keys',
    'replays the same reference without a second charge',
    /replay: expected SUCCEEDED or UNKNOWN/,
    (a) => {
      const seen = new Set<string>();
      wrapCharge((o, reference) => {
        if (seen.has(reference)) return { status: 'DECLINED', kind: 'hard', code: 'DUPLICATE', message: 'x' };
        if (o.status === 'SUCCEEDED') seen.add(reference);
        return o;
      })(a);
    },
  ],
  [
    'skips the integrity check on lookups',
    'one-time',
    'turns a report that differs from what was asked into MISMATCH, never success',
    /expecting another amount: expected MISMATCH/,
    (a) => {
      const original = a.retrieve;
      a.retrieve = async (c, i) => {
        const found = await original(c, i);
        return found.status === 'MISMATCH'
          ? {
              status: 'SUCCEEDED',
              gatewayPaymentId: found.gatewayPaymentId,
              reference: 'x',
              amount: i.expected,
              refunded: { amount: 0, currency: i.expected.currency },
              rawStatus: found.rawStatus,
            }
          : found;
      };
    },
  ],
  [
    'reads a failed lookup as not found',
    'billing-keys',
    'answers UNKNOWN, never NOT_FOUND, when a lookup itself fails',
    /answered 503: expected UNKNOWN/,
    (a) => {
      const original = a.retrieveByReference;
      a.retrieveByReference = async (c, i) => {
        const found = await original(c, i);
        return found.status === 'UNKNOWN' ? { status: 'NOT_FOUND', message: 'x' } : found;
      };
    },
  ],
  [
    'passes the webhook status on',
    'billing-keys-redirect',
    'treats a webhook as a pointer to re-fetch: a forged status changes nothing',
    /parseWebhook returned a status/,
    (a) => {
      const original = a.parseWebhook;
      a.parseWebhook = (c, i) =>
        ({ ...original(c, i), status: (i.body as { status?: unknown } | null)?.status }) as unknown as ReturnType<
          typeof original
        >;
    },
  ],
  [
    'reports a pending cancel as done',
    'one-time',
    'reports a cancel the PG has not approved as PENDING, not done',
    /cancel held by the PG: expected PENDING/,
    (a) => {
      const original = a.cancel;
      a.cancel = async (c, i) => {
        const r = await original(c, i);
        return r.status === 'PENDING'
          ? {
              status: 'SUCCEEDED',
              refunded: r.requested,
              totalRefunded: r.requested,
              remaining: { ...r.requested, amount: 0 },
              rawStatus: 'done',
            }
          : r;
      };
    },
  ],
  [
    'activates a key from a pointer to another issuance',
    'billing-keys',
    'does not activate a key from a pointer to another issuance (forged callback)',
    /another issuance pointer: expected FAILED/,
    (a) => {
      const original = a.completeBillingKey!;
      a.completeBillingKey = async (c, i) => {
        const r = await original(c, i);
        return r.status === 'FAILED' && r.code === 'REFERENCE_MISMATCH'
          ? { status: 'ACTIVE', billingKey: i.billingKey, rawStatus: 'active' }
          : r;
      };
    },
  ],
  [
    'activates a key from the fail redirect',
    'billing-keys-redirect',
    'does not activate a key the buyer cancelled',
    /after the buyer closed the window: expected FAILED/,
    (a) => {
      const original = a.completeBillingKey!;
      a.completeBillingKey = async (c, i) => {
        const r = await original(c, i);
        return r.status === 'FAILED' ? { status: 'ACTIVE', billingKey: i.billingKey, rawStatus: 'active' } : r;
      };
    },
  ],
  [
    'charges with the id we minted instead of the key the PG minted',
    'billing-keys-redirect',
    'reports a success with the PG id, our reference and the amount the PG charged; lookups agree',
    /payment: expected SUCCEEDED, got .*KEY_NOT_ACTIVE/,
    (a) => {
      const original = a.chargeBillingKey!;
      a.chargeBillingKey = (c, i) => original(c, { ...i, billingKey: i.issuedAs });
    },
  ],
  [
    'reports another PG key when the same issuance is completed again',
    'billing-keys-redirect',
    'issues a billing key the buyer approved, and completing it again is idempotent',
    /reported another PG key/,
    (a) => {
      const original = a.completeBillingKey!;
      let calls = 0;
      a.completeBillingKey = async (c, i) => {
        const r = await original(c, i);
        return r.status === 'ACTIVE' && ++calls > 1 ? { ...r, gatewayBillingKey: `pgkey_other_${calls}` } : r;
      };
    },
  ],
  [
    'builds a redirect issuance with nowhere to return to',
    'billing-keys-redirect',
    'refuses a redirect issuance without our return routes, before the buyer sees it',
    /strands the buyer; expected NOT_SENT/,
    (a) => {
      const original = a.issueBillingKey!;
      a.issueBillingKey = (c, i) =>
        original(c, { ...i, returnUrl: i.returnUrl ?? 'about:blank', failUrl: i.failUrl ?? 'about:blank' });
    },
  ],
  [
    'confirms a tampered redirect',
    'one-time',
    'refuses to confirm a redirect whose amount was tampered with, and charges nothing',
    /confirm of a tampered redirect: expected NOT_SENT/,
    (a) => {
      const original = a.confirm!;
      // Trusts the redirect: confirms whatever amount the PG holds for the checkout.
      a.confirm = (c, i) => original(c, { ...i, pointer: { ...i.pointer, amount: String(i.expected.amount) } });
    },
  ],
  [
    'sends a refused currency to the PG (and calls the refusal NOT_SENT)',
    'billing-keys',
    'refuses a currency the gateway does not take before sending anything',
    /the refused request reached the PG/,
    (a) => {
      // An adapter without the preflight: what it declares refused still goes out, only the answer is dressed up.
      Object.defineProperty(a, 'descriptor', {
        value: {
          ...a.descriptor,
          capabilities: { ...a.descriptor.capabilities, currencies: ['USD', 'EUR', 'KRW'], refusesCurrencies: [] },
        },
      });
      const original = a.chargeBillingKey!;
      a.chargeBillingKey = async (c, i) => {
        const r = await original(c, i);
        return i.amount.currency === 'KRW'
          ? {
              status: 'NOT_SENT',
              reason: 'invalid_request',
              retryable: false,
              code: 'CURRENCY_NOT_SUPPORTED',
              message: 'x',
            }
          : r;
      };
    },
  ],
  [
    'calls a revoked key a soft decline',
    'billing-keys',
    'revokes a billing key idempotently, and a charge on it is a hard decline that takes nothing',
    /a revoked key must be a hard decline/,
    wrapCharge((o) => (o.status === 'DECLINED' ? { ...o, kind: 'soft' } : o)),
  ],
];

describe('conformance suite against broken dummy adapters', () => {
  const caseOf = (title: string) => CONFORMANCE_CASES.find((x) => x.title === title)!;

  it('names real cases, each of which applies to the mutant kind, and guards every payments-bug case at least once', () => {
    for (const [, kind, title] of MUTANTS) {
      expect(CONFORMANCE_CASES.map((c) => c.title)).toContain(title);
      expect(caseOf(title).applies(dummyDescriptor(kind))).toBe(true);
    }
  });

  it.each(MUTANTS)('fails an adapter that %s (%s)', async (_bug, kind, title, why, mutate) => {
    const h = harness(kind, mutate);
    // The mutated descriptor (if any) is what the suite is told, as a broken adapter's own spec would tell it.
    const session = new ConformanceSession(h, h.adapter.descriptor);
    await expect(caseOf(title).run(session as ConformanceSession<never>)).rejects.toThrow(why);
  });

  it('runs the delete case only where billingKeyDeletion is true, and the redirect case only for redirect SDKs', () => {
    const applying = (kind: DummyKind) =>
      CONFORMANCE_CASES.filter((c) => c.applies(dummyDescriptor(kind))).map((c) => c.title);
    const del = 'revokes a billing key idempotently, and a charge on it is a hard decline that takes nothing';
    const noDel = 'declares that it cannot revoke keys at the PG, and is not made to';
    const redirect = 'refuses a redirect issuance without our return routes, before the buyer sees it';
    expect(applying('billing-keys')).toEqual(expect.arrayContaining([del]));
    expect(applying('billing-keys')).not.toEqual(expect.arrayContaining([noDel]));
    expect(applying('billing-keys')).not.toContain(redirect);
    expect(applying('billing-keys-redirect')).toEqual(expect.arrayContaining([noDel, redirect]));
    expect(applying('billing-keys-redirect')).not.toContain(del);
    expect(applying('one-time')).not.toEqual(expect.arrayContaining([del]));
  });

  it('fails a gateway that has no deleteBillingKey but leaves billingKeyDeletion undeclared', async () => {
    const h = harness('billing-keys-redirect');
    const caps = { ...h.adapter.descriptor.capabilities } as Record<string, unknown>;
    delete caps.billingKeyDeletion;
    const descriptor = { ...h.adapter.descriptor, capabilities: caps as never };
    Object.defineProperty(h.adapter, 'descriptor', { value: descriptor });
    const session = new ConformanceSession(h, descriptor);
    // Whichever case applies (before the merge, undeclared reads as "deletes"; after it, the field is required), one
    // of them must reject this adapter for its key deletion.
    const errors: string[] = [];
    for (const c of CONFORMANCE_CASES.filter((x) => x.applies(descriptor))) {
      await c.run(session as ConformanceSession<never>).catch((err: Error) => errors.push(err.message));
    }
    expect(errors.some((m) => /deleteBillingKey|billingKeyDeletion/.test(m))).toBe(true);
  });
});

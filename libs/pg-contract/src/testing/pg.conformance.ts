import * as assert from 'node:assert/strict';
import { missingMethods, type BuyerInfo, type CheckoutPreparation, type ClientRequest, type PaymentGatewayAdapter, type WebhookInput } from '../pg.adapter';
import { descriptorProblems, type GatewayDescriptor } from '../pg.descriptor';
import { isKnownCurrency, type Money } from '../pg.money';
import type { BillingKeyOutcome, CancelOutcome, LookupOutcome, NotSentOutcome, PaymentOutcome } from '../pg.outcomes';
import type { ConformanceFlow, SandboxBuyer, SandboxControl } from './pg.sandbox-control';

/**
 * The conformance suite every adapter's spec runs against the sandbox, after Hyperswitch's shared connector tests:
 * the same cases for every PG, chosen by the declared capabilities. It registers ordinary test cases with the runner's
 * globals (`describe`, `it`, `beforeAll`, `afterAll`, `afterEach`), and asserts with `node:assert`, so it carries no
 * test-framework types into production builds.
 */

/** What an adapter's spec hands the suite. Created once per suite (beforeAll) and closed after it. */
export interface ConformanceHarness<C = unknown> {
  /** The adapter under test, configured for the sandbox with a short request timeout (1-2 s: the timeout case waits for it). */
  readonly adapter: PaymentGatewayAdapter<C>;
  /** Sandbox credentials of an account used by this suite only. */
  readonly credentials: C;
  /** A currency the adapter takes and the sandbox charges in. */
  readonly currency: string;
  /** A currency the gateway refuses (for the refusal case); omit to skip it. */
  readonly refusedCurrency?: string;
  /** A fresh reference on every call, unique across runs and within the PG's limits (PortOne merchant_uid: 40). */
  newReference(): string;
  /** Decline codes the adapter maps, one of each kind: the suite injects them and expects that kind back. */
  readonly declines: { readonly hard: string; readonly soft: string };
  /** The sandbox, driven over HTTP. */
  readonly sandbox: SandboxControl;
  /** What the buyer does in the PG's window. */
  readonly buyer: SandboxBuyer;
  /** The buyer the suite issues keys and checkouts for. */
  readonly buyerInfo?: BuyerInfo;
  /** Builds a webhook as the PG would post it about `target`, with `forgedStatus` planted where the PG puts a status. */
  forgeWebhook?(target: { readonly gatewayPaymentId: string; readonly reference: string }, forgedStatus: string): WebhookInput;
  /** A status a forger would plant (PortOne `cancelled`, Toss `CANCELED`). Default `cancelled`. */
  readonly forgedStatus?: string;
  /** One-time payments: the success-redirect query with its amount replaced (a buyer tampering with the URL). */
  tamperCheckoutAmount?(query: Readonly<Record<string, string>>, amount: Money): Record<string, string>;
  /** Releases what the harness opened (servers, sockets). */
  close?(): Promise<void>;
}

/** Options of {@link describeGatewayConformance}. */
export interface ConformanceOptions {
  /** Per-case timeout in ms (default 30000). */
  readonly caseTimeoutMs?: number;
}

interface TestApi {
  describe(name: string, fn: () => void): void;
  it: ((name: string, fn: () => Promise<void>, timeout?: number) => void) & { skip(name: string, fn: () => Promise<void>): void };
  beforeAll(fn: () => Promise<void>, timeout?: number): void;
  afterAll(fn: () => Promise<void>, timeout?: number): void;
  afterEach(fn: () => Promise<void>, timeout?: number): void;
}

function testApi(): TestApi {
  const g = globalThis as unknown as Partial<TestApi>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function' || typeof g.beforeAll !== 'function') {
    throw new Error('describeGatewayConformance must be called from a spec file (it needs describe/it/beforeAll globals)');
  }
  return g as TestApi;
}

const show = (v: unknown) => JSON.stringify(v);

function expectStatus<S extends string>(what: string, outcome: { status: string }, ...statuses: S[]): asserts outcome is { status: S } {
  assert.ok((statuses as string[]).includes(outcome.status), `${what}: expected ${statuses.join(' or ')}, got ${show(outcome)}`);
}

function isNotSent(v: unknown): v is NotSentOutcome {
  return typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'NOT_SENT';
}

/**
 * One harness plus the helpers every case shares (a billing key issued once, the gateway's payment flow). Created by
 * {@link describeGatewayConformance}; exported so a spec can run single cases directly (e.g. to prove that a broken
 * adapter fails them).
 */
export class ConformanceSession<C = unknown> {
  private sharedKey?: string;

  /** @param h the harness @param descriptor what the adapter declares */
  constructor(
    readonly h: ConformanceHarness<C>,
    readonly descriptor: GatewayDescriptor,
  ) {}

  /** The adapter with every method typed as present (the cases only call what the capabilities require). */
  get adapter(): Required<PaymentGatewayAdapter<C>> {
    return this.h.adapter as Required<PaymentGatewayAdapter<C>>;
  }

  /** The flow a payment fault targets: `charge` for billing-key gateways, `confirm` for one-time ones. */
  get payFlow(): ConformanceFlow {
    return this.descriptor.capabilities.billingKeys ? 'charge' : 'confirm';
  }

  /** `amount` minor units of the harness currency (or `currency`). */
  money(amount: number, currency = this.h.currency): Money {
    return { amount, currency };
  }

  /** A declared currency other than the harness's, for currency mismatches. */
  otherCurrency(): string {
    return this.h.currency === 'EUR' ? 'USD' : 'EUR';
  }

  /** The buyer of the suite. */
  buyer(): BuyerInfo {
    return this.h.buyerInfo ?? { id: 'conformance-buyer', email: 'buyer@example.com', firstName: 'Con', lastName: 'Formance', country: 'US' };
  }

  /** Issues a billing key through the buyer's window and completes it. */
  async issueKey(outcome: 'approve' | 'cancel' | 'fail' = 'approve') {
    const { h } = this;
    const billingKey = `key-${h.newReference()}`;
    const reference = h.newReference();
    const client = await this.adapter.issueBillingKey(h.credentials, { billingKey, reference, buyer: this.buyer(), name: 'Conformance billing key' });
    assert.ok(!isNotSent(client), `issueBillingKey refused valid input: ${show(client)}`);
    assert.ok(h.buyer.approveBillingKey, 'harness.buyer.approveBillingKey is required for billing keys');
    const pointer = await h.buyer.approveBillingKey(client as ClientRequest, outcome);
    const result = await this.adapter.completeBillingKey(h.credentials, { billingKey, reference, pointer });
    return { billingKey, reference, pointer, client: client as ClientRequest, result };
  }

  /** The suite's billing key, issued on first use. */
  async activeKey(): Promise<string> {
    if (this.sharedKey) return this.sharedKey;
    const issued = await this.issueKey();
    expectStatus('billing key issuance', issued.result, 'ACTIVE');
    this.sharedKey = issued.billingKey;
    return this.sharedKey;
  }

  /** Whatever must exist before a payment fault is injected (the billing key: its issuance must not meet the fault). */
  async beforePayment(): Promise<void> {
    if (this.descriptor.capabilities.billingKeys) await this.activeKey();
  }

  /** Makes a payment through the gateway's flow; `replay` sends exactly the same request again. */
  async pay(reference: string, amount: Money): Promise<{ outcome: PaymentOutcome; replay: () => Promise<PaymentOutcome> }> {
    const { h } = this;
    if (this.descriptor.capabilities.billingKeys) {
      const key = await this.activeKey();
      const input = { billingKey: key, issuedAs: key, reference, amount, orderName: 'Conformance charge', buyer: this.buyer() };
      return { outcome: await this.adapter.chargeBillingKey(h.credentials, input), replay: () => this.adapter.chargeBillingKey(h.credentials, input) };
    }
    const checkout = await this.prepare(reference, amount);
    assert.ok(h.buyer.completeCheckout, 'harness.buyer.completeCheckout is required for one-time payments');
    const redirect = await h.buyer.completeCheckout(checkout, 'approve');
    assert.ok(redirect.success, `the sandbox buyer did not reach the success URL: ${show(redirect)}`);
    const input = { reference, expected: amount, pointer: redirect.query };
    return { outcome: await this.adapter.confirm(h.credentials, input), replay: () => this.adapter.confirm(h.credentials, input) };
  }

  /** `prepareCheckout` with the suite's URLs; fails the case on NOT_SENT. */
  async prepare(reference: string, amount: Money): Promise<CheckoutPreparation> {
    const checkout = await this.adapter.prepareCheckout(this.h.credentials, {
      reference,
      amount,
      orderName: 'Conformance order',
      successUrl: 'https://merchant.example/success',
      failUrl: 'https://merchant.example/fail',
      buyer: this.buyer(),
    });
    assert.ok(!isNotSent(checkout), `prepareCheckout refused valid input: ${show(checkout)}`);
    return checkout as CheckoutPreparation;
  }

  /** A succeeded payment's PG id. */
  async paid(reference: string, amount: Money): Promise<string> {
    const { outcome } = await this.pay(reference, amount);
    expectStatus('payment', outcome, 'SUCCEEDED');
    return outcome.gatewayPaymentId;
  }

  /** The refunded total the PG reports for a payment. */
  async refundedOf(id: string, reference: string, amount: Money): Promise<number> {
    const after = await this.adapter.retrieve(this.h.credentials, { gatewayPaymentId: id, expected: amount, reference });
    expectStatus('retrieve after cancel', after, 'SUCCEEDED');
    return after.refunded.amount;
  }

  /** A cancel the PG has not approved yet is finished through the sandbox; a done one is checked as is. */
  async cancelled(outcome: CancelOutcome, id: string, expected: Money): Promise<void> {
    expectStatus('cancel', outcome, 'SUCCEEDED', 'PENDING');
    if (outcome.status === 'PENDING') {
      assert.deepEqual(outcome.requested, expected, `pending cancel asks for ${show(outcome.requested)}, expected ${show(expected)}`);
      await this.h.sandbox.settleCancels(id, 'done');
    } else {
      assert.deepEqual(outcome.refunded, expected, `cancel refunded ${show(outcome.refunded)}, expected ${show(expected)}`);
    }
  }
}

/** One conformance case: whether the descriptor calls for it, and what it does. */
export interface ConformanceCase {
  /** Stable title (also the test name). */
  readonly title: string;
  /** Whether the declared capabilities call for this case. */
  readonly applies: (d: GatewayDescriptor) => boolean;
  /** Runs the case; rejects with an assertion error when the adapter does not conform. */
  readonly run: (s: ConformanceSession<never>) => Promise<void>;
}

const always = () => true;
const billingKeysOnly = (d: GatewayDescriptor) => d.capabilities.billingKeys;

/** Every conformance case, in the order the suite runs them. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    title: 'declares what it implements, with a valid descriptor',
    applies: always,
    async run(s) {
      const { h } = s;
      assert.deepEqual(h.adapter.descriptor, s.descriptor, 'adapter.descriptor differs from the descriptor given to the suite');
      assert.deepEqual(descriptorProblems(h.adapter.descriptor), []);
      assert.deepEqual(missingMethods(h.adapter as PaymentGatewayAdapter), []);
      assert.ok(isKnownCurrency(h.currency) && s.descriptor.capabilities.currencies.includes(h.currency), `harness currency ${h.currency} is not declared`);
      const refs = new Set(Array.from({ length: 50 }, () => h.newReference()));
      assert.equal(refs.size, 50, 'newReference() repeats itself');
    },
  },

  // ---- billing keys --------------------------------------------------------------------------------------------
  {
    title: 'issues a billing key the buyer approved, and completing it again is idempotent',
    applies: billingKeysOnly,
    async run(s) {
      const issued = await s.issueKey();
      expectStatus('completeBillingKey', issued.result, 'ACTIVE');
      assert.equal(issued.result.billingKey, issued.billingKey);
      const again = await s.adapter.completeBillingKey(s.h.credentials, { billingKey: issued.billingKey, reference: issued.reference, pointer: issued.pointer });
      expectStatus('second completeBillingKey', again, 'ACTIVE');
    },
  },
  {
    title: 'does not activate a key the buyer cancelled',
    applies: billingKeysOnly,
    async run(s) {
      expectStatus('completeBillingKey after the buyer closed the window', (await s.issueKey('cancel')).result, 'FAILED');
    },
  },
  {
    title: 'does not activate a key from a pointer to another issuance (forged callback)',
    applies: billingKeysOnly,
    async run(s) {
      const other = await s.issueKey();
      expectStatus('other issuance', other.result, 'ACTIVE');
      const billingKey = `key-${s.h.newReference()}`;
      const reference = s.h.newReference();
      const client = await s.adapter.issueBillingKey(s.h.credentials, { billingKey, reference, buyer: s.buyer() });
      assert.ok(!isNotSent(client), show(client));
      const forged: BillingKeyOutcome = await s.adapter.completeBillingKey(s.h.credentials, { billingKey, reference, pointer: other.pointer });
      expectStatus('completeBillingKey with another issuance pointer', forged, 'FAILED');
    },
  },
  {
    title: 'revokes a billing key idempotently, and a charge on it is a hard decline that takes nothing',
    applies: billingKeysOnly,
    async run(s) {
      const issued = await s.issueKey();
      expectStatus('issuance', issued.result, 'ACTIVE');
      expectStatus('deleteBillingKey', await s.adapter.deleteBillingKey(s.h.credentials, { billingKey: issued.billingKey, issuedAs: issued.billingKey, reason: 'conformance' }), 'DELETED');
      expectStatus('second deleteBillingKey', await s.adapter.deleteBillingKey(s.h.credentials, { billingKey: issued.billingKey, issuedAs: issued.billingKey }), 'DELETED');
      const reference = s.h.newReference();
      const outcome = await s.adapter.chargeBillingKey(s.h.credentials, { billingKey: issued.billingKey, issuedAs: issued.billingKey, reference, amount: s.money(1000), orderName: 'After revoke' });
      expectStatus('charge on a revoked key', outcome, 'DECLINED');
      assert.equal(outcome.kind, 'hard', `a revoked key must be a hard decline: ${show(outcome)}`);
      assert.equal((await s.h.sandbox.charges(reference)).length, 0);
    },
  },

  // ---- one-time payments ---------------------------------------------------------------------------------------
  {
    title: 'refuses to confirm a redirect whose amount was tampered with, and charges nothing',
    applies: (d) => d.capabilities.oneTimePayments,
    async run(s) {
      const { h } = s;
      assert.ok(h.tamperCheckoutAmount, 'harness.tamperCheckoutAmount is required for one-time payments');
      assert.ok(h.buyer.completeCheckout, 'harness.buyer.completeCheckout is required for one-time payments');
      const reference = h.newReference();
      const checkout = await s.prepare(reference, s.money(5000));
      const redirect = await h.buyer.completeCheckout(checkout, 'approve');
      const pointer = h.tamperCheckoutAmount(redirect.query, s.money(100));
      const outcome = await s.adapter.confirm(h.credentials, { reference, expected: s.money(5000), pointer });
      expectStatus('confirm of a tampered redirect', outcome, 'NOT_SENT');
      assert.equal((await h.sandbox.charges(reference)).length, 0, 'a tampered redirect was confirmed');
    },
  },

  // ---- charges -------------------------------------------------------------------------------------------------
  {
    title: 'reports a success with the PG id, our reference and the amount the PG charged; lookups agree',
    applies: always,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(1050);
      const { outcome } = await s.pay(reference, amount);
      expectStatus('payment', outcome, 'SUCCEEDED');
      assert.deepEqual(outcome.amount, amount);
      assert.equal(outcome.reference, reference);
      assert.deepEqual(outcome.refunded, s.money(0));
      assert.equal((await s.h.sandbox.charges(reference)).length, 1);
      const byId = await s.adapter.retrieve(s.h.credentials, { gatewayPaymentId: outcome.gatewayPaymentId, expected: amount, reference });
      expectStatus('retrieve', byId, 'SUCCEEDED');
      assert.equal(byId.gatewayPaymentId, outcome.gatewayPaymentId);
      const byRef = await s.adapter.retrieveByReference(s.h.credentials, { reference, expected: amount });
      expectStatus('retrieveByReference', byRef, 'SUCCEEDED');
      assert.equal(byRef.gatewayPaymentId, outcome.gatewayPaymentId);
    },
  },
  {
    title: 'replays the same reference without a second charge',
    applies: always,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(2500);
      const first = await s.pay(reference, amount);
      expectStatus('first payment', first.outcome, 'SUCCEEDED');
      const second = await first.replay();
      // The replay may be answered from the PG's record (SUCCEEDED, same payment) or be UNKNOWN; never a decline.
      expectStatus('replay', second, 'SUCCEEDED', 'UNKNOWN');
      if (second.status === 'SUCCEEDED') assert.equal(second.gatewayPaymentId, first.outcome.gatewayPaymentId);
      else {
        const found = await s.adapter.retrieveByReference(s.h.credentials, { reference, expected: amount });
        expectStatus('lookup after an UNKNOWN replay', found, 'SUCCEEDED');
        assert.equal(found.gatewayPaymentId, first.outcome.gatewayPaymentId);
      }
      assert.equal((await s.h.sandbox.charges(reference)).length, 1, 'the PG charged twice for one reference');
    },
  },
  {
    title: 'answers UNKNOWN when the PG did the work but the answer never came; the lookup finds the truth',
    applies: always,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(3300);
      await s.beforePayment();
      await s.h.sandbox.injectFault(s.payFlow, { type: 'timeout_after_commit' }, { reference });
      const { outcome } = await s.pay(reference, amount);
      expectStatus('payment whose answer was lost', outcome, 'UNKNOWN');
      const found = await s.adapter.retrieveByReference(s.h.credentials, { reference, expected: amount });
      expectStatus('lookup after the timeout', found, 'SUCCEEDED');
      assert.deepEqual(found.amount, amount);
      assert.equal((await s.h.sandbox.charges(reference)).length, 1, 'expected exactly one charge: the adapter must not re-send on its own');
    },
  },
  {
    title: 'never reports success when the connection is reset before the PG did anything; the reference can then be paid once',
    applies: always,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(1200);
      await s.beforePayment();
      await s.h.sandbox.injectFault(s.payFlow, { type: 'reset_before' }, { reference });
      const first = await s.pay(reference, amount);
      // The adapter cannot tell a reset before the work from one after it: UNKNOWN, then look up.
      expectStatus('payment whose connection was reset', first.outcome, 'UNKNOWN');
      assert.equal((await s.h.sandbox.charges(reference)).length, 0);
      // Nothing there (billing keys), or a checkout still waiting for its confirm (one-time payments).
      expectStatus('lookup after the reset', await s.adapter.retrieveByReference(s.h.credentials, { reference, expected: amount }), 'NOT_FOUND', 'PENDING');
      const retry = await first.replay();
      expectStatus('the same request sent again after the lookup', retry, 'SUCCEEDED');
      assert.equal((await s.h.sandbox.charges(reference)).length, 1);
    },
  },
  {
    title: 'answers UNKNOWN (never a decline) for a 5xx from the PG',
    applies: always,
    async run(s) {
      const reference = s.h.newReference();
      await s.beforePayment();
      await s.h.sandbox.injectFault(s.payFlow, { type: 'http_error', status: 500 }, { reference });
      expectStatus('payment answered 500', (await s.pay(reference, s.money(700))).outcome, 'UNKNOWN');
    },
  },
  {
    title: 'answers UNKNOWN, never NOT_FOUND, when a lookup itself fails',
    applies: always,
    async run(s) {
      const { h } = s;
      const reference = h.newReference();
      const amount = s.money(800);
      const id = await s.paid(reference, amount);
      await h.sandbox.injectFault('lookup', { type: 'http_error', status: 503 }, { times: 10 });
      expectStatus('retrieveByReference answered 503', await s.adapter.retrieveByReference(h.credentials, { reference, expected: amount }), 'UNKNOWN');
      expectStatus('retrieve answered 503', await s.adapter.retrieve(h.credentials, { gatewayPaymentId: id, expected: amount }), 'UNKNOWN');
      await h.sandbox.clearFaults();
      await h.sandbox.injectFault('lookup', { type: 'reset_before' }, { times: 10 });
      const unpaid = h.newReference();
      expectStatus('lookup of an unpaid reference with a reset', await s.adapter.retrieveByReference(h.credentials, { reference: unpaid, expected: amount }), 'UNKNOWN');
    },
  },
  {
    title: 'reports a pending payment as PENDING (never a decline) until it settles',
    applies: (d) => d.capabilities.pendingPayments === true,
    async run(s) {
      const { h } = s;
      assert.ok(h.sandbox.features.pendingPayments, "the sandbox cannot hold this gateway's payments pending");
      for (const to of ['paid', 'failed'] as const) {
        const reference = h.newReference();
        const amount = s.money(4200);
        await s.beforePayment();
        await h.sandbox.injectFault(s.payFlow, { type: 'pending' }, { reference });
        const { outcome } = await s.pay(reference, amount);
        expectStatus('pending payment', outcome, 'PENDING');
        assert.deepEqual(outcome.amount, amount);
        expectStatus('retrieve while pending', await s.adapter.retrieve(h.credentials, { gatewayPaymentId: outcome.gatewayPaymentId, expected: amount }), 'PENDING');
        expectStatus('retrieveByReference while pending', await s.adapter.retrieveByReference(h.credentials, { reference, expected: amount }), 'PENDING');
        await h.sandbox.settlePayment(outcome.gatewayPaymentId, to);
        const settled = await s.adapter.retrieve(h.credentials, { gatewayPaymentId: outcome.gatewayPaymentId, expected: amount, reference });
        expectStatus(`retrieve after settling ${to}`, settled, to === 'paid' ? 'SUCCEEDED' : 'DECLINED');
        assert.equal((await h.sandbox.charges(reference)).length, 1);
      }
    },
  },
  {
    title: 'maps declines to hard and soft, with the PG code, and charges nothing',
    applies: always,
    async run(s) {
      const { h } = s;
      assert.ok(h.sandbox.features.declines, "the sandbox cannot decline this gateway's payments");
      for (const [kind, code] of [
        ['hard', h.declines.hard],
        ['soft', h.declines.soft],
      ] as const) {
        const reference = h.newReference();
        await s.beforePayment();
        await h.sandbox.injectFault(s.payFlow, { type: 'decline', code, message: `conformance ${kind} decline` }, { reference });
        const { outcome } = await s.pay(reference, s.money(900));
        expectStatus(`${kind} decline`, outcome, 'DECLINED');
        assert.equal(outcome.kind, kind, `decline ${code} mapped to ${outcome.kind}`);
        assert.equal(outcome.code, code);
        assert.equal((await h.sandbox.charges(reference)).length, 0);
      }
    },
  },
  {
    title: 'turns a report that differs from what was asked into MISMATCH, never success',
    applies: always,
    async run(s) {
      const { h } = s;
      const reference = h.newReference();
      const amount = s.money(1234);
      const id = await s.paid(reference, amount);
      const more = await s.adapter.retrieve(h.credentials, { gatewayPaymentId: id, expected: s.money(1235), reference });
      expectStatus('retrieve expecting another amount', more, 'MISMATCH');
      assert.equal(more.field, 'amount');
      assert.deepEqual(more.reported, amount);
      const currency = await s.adapter.retrieveByReference(h.credentials, { reference, expected: s.money(1234, s.otherCurrency()) });
      expectStatus('retrieveByReference expecting another currency', currency, 'MISMATCH');
      assert.equal(currency.field, 'currency');
      const other = await s.adapter.retrieve(h.credentials, { gatewayPaymentId: id, expected: amount, reference: h.newReference() });
      expectStatus('retrieve under another reference', other, 'MISMATCH');
      assert.equal(other.field, 'reference');
    },
  },
  {
    title: 'refuses a currency the gateway does not take before sending anything',
    applies: (d) => (d.capabilities.refusesCurrencies?.length ?? 0) > 0,
    async run(s) {
      const { h } = s;
      assert.ok(h.refusedCurrency, 'harness.refusedCurrency is required when the descriptor lists refusesCurrencies');
      const reference = h.newReference();
      const amount = s.money(1000, h.refusedCurrency);
      let outcome: PaymentOutcome | CheckoutPreparation | NotSentOutcome;
      if (s.descriptor.capabilities.billingKeys) {
        const key = await s.activeKey();
        outcome = await s.adapter.chargeBillingKey(h.credentials, { billingKey: key, issuedAs: key, reference, amount, orderName: 'Refused currency' });
      } else {
        outcome = await s.adapter.prepareCheckout(h.credentials, { reference, amount, orderName: 'Refused currency', successUrl: 'https://merchant.example/s', failUrl: 'https://merchant.example/f' });
      }
      assert.ok(isNotSent(outcome), `expected NOT_SENT, got ${show(outcome)}`);
      assert.equal(outcome.reason, 'invalid_request');
      assert.equal(outcome.retryable, false);
      assert.deepEqual(await h.sandbox.ledger(reference), [], 'the refused request reached the PG');
    },
  },

  // ---- webhooks ------------------------------------------------------------------------------------------------
  {
    title: 'treats a webhook as a pointer to re-fetch: a forged status changes nothing',
    applies: (d) => d.capabilities.webhookKind !== 'none',
    async run(s) {
      const { h } = s;
      assert.ok(h.forgeWebhook, 'harness.forgeWebhook is required when the gateway sends webhooks');
      const reference = h.newReference();
      const amount = s.money(1500);
      const id = await s.paid(reference, amount);
      const parsed = s.adapter.parseWebhook(h.credentials, h.forgeWebhook({ gatewayPaymentId: id, reference }, h.forgedStatus ?? 'cancelled'));
      assert.equal(parsed.kind, 'refetch', show(parsed));
      assert.ok(!('status' in parsed), `parseWebhook returned a status: ${show(parsed)}`);
      if (parsed.kind !== 'refetch') return;
      assert.ok(parsed.gatewayPaymentId === id || parsed.reference === reference, `the webhook does not point at the payment: ${show(parsed)}`);
      const truth: LookupOutcome = parsed.gatewayPaymentId
        ? await s.adapter.retrieve(h.credentials, { gatewayPaymentId: parsed.gatewayPaymentId, expected: amount, reference })
        : await s.adapter.retrieveByReference(h.credentials, { reference: parsed.reference!, expected: amount });
      expectStatus('re-fetch after a forged webhook', truth, 'SUCCEEDED');
      assert.deepEqual(truth.refunded, s.money(0), 'a forged webhook changed the payment');

      const ghost = s.adapter.parseWebhook(h.credentials, h.forgeWebhook({ gatewayPaymentId: `${id}0`, reference: h.newReference() }, 'paid'));
      assert.equal(ghost.kind, 'refetch', show(ghost));
      if (ghost.kind === 'refetch' && ghost.gatewayPaymentId) {
        const found = await s.adapter.retrieve(h.credentials, { gatewayPaymentId: ghost.gatewayPaymentId, expected: amount });
        expectStatus('re-fetch of a webhook about a payment that does not exist', found, 'NOT_FOUND');
      }
      for (const body of [null, undefined, 'paid', 42, [], {}, { status: 'paid' }]) {
        const result = s.adapter.parseWebhook(h.credentials, { headers: {}, body });
        assert.equal(result.kind, 'ignore', `malformed webhook ${show(body)} gave ${show(result)}`);
      }
    },
  },

  // ---- cancels -------------------------------------------------------------------------------------------------
  {
    title: 'cancels a payment in full',
    applies: (d) => d.capabilities.cancel,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(1800);
      const id = await s.paid(reference, amount);
      const outcome = await s.adapter.cancel(s.h.credentials, { gatewayPaymentId: id, reference, reason: 'conformance full cancel', cancelId: s.h.newReference() });
      await s.cancelled(outcome, id, amount);
      assert.equal(await s.refundedOf(id, reference, amount), amount.amount);
    },
  },
  {
    title: 'cancels in part, then the rest',
    applies: (d) => d.capabilities.partialCancel,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(1000);
      const id = await s.paid(reference, amount);
      const part = await s.adapter.cancel(s.h.credentials, { gatewayPaymentId: id, reference, amount: s.money(300), reason: 'partial', cancelId: s.h.newReference(), refundableBalance: amount });
      await s.cancelled(part, id, s.money(300));
      if (part.status === 'SUCCEEDED') {
        assert.deepEqual(part.totalRefunded, s.money(300));
        assert.deepEqual(part.remaining, s.money(700));
      }
      assert.equal(await s.refundedOf(id, reference, amount), 300);
      const rest = await s.adapter.cancel(s.h.credentials, { gatewayPaymentId: id, reference, reason: 'the rest', cancelId: s.h.newReference(), refundableBalance: s.money(700) });
      await s.cancelled(rest, id, s.money(700));
      assert.equal(await s.refundedOf(id, reference, amount), 1000);
    },
  },
  {
    title: 'reports a cancel the PG has not approved as PENDING, not done',
    applies: (d) => d.capabilities.cancel,
    async run(s) {
      const { h } = s;
      assert.ok(h.sandbox.features.pendingCancels, "the sandbox cannot hold this gateway's cancels");
      const reference = h.newReference();
      const amount = s.money(2000);
      const id = await s.paid(reference, amount);
      await h.sandbox.injectFault('cancel', { type: 'pending' });
      const outcome = await s.adapter.cancel(h.credentials, { gatewayPaymentId: id, reference, reason: 'pending cancel', cancelId: h.newReference() });
      expectStatus('cancel held by the PG', outcome, 'PENDING');
      assert.equal(await s.refundedOf(id, reference, amount), 0);
      assert.equal(await h.sandbox.settleCancels(id, 'done'), true);
      assert.equal(await s.refundedOf(id, reference, amount), amount.amount);
    },
  },
  {
    title: 'never reports a cancel above the refundable balance as done',
    applies: (d) => d.capabilities.cancel,
    async run(s) {
      const reference = s.h.newReference();
      const amount = s.money(500);
      const id = await s.paid(reference, amount);
      const outcome = await s.adapter.cancel(s.h.credentials, { gatewayPaymentId: id, reference, amount: s.money(600), reason: 'too much', cancelId: s.h.newReference() });
      expectStatus('over-refund', outcome, 'DECLINED', 'NOT_SENT');
      assert.equal(await s.refundedOf(id, reference, amount), 0);
    },
  },
];

/**
 * Registers the conformance cases for an adapter:
 *
 * ```ts
 * describeGatewayConformance('ReferenceAdapter', REFERENCE_DESCRIPTOR, async () => ({ adapter, credentials, ... }));
 * ```
 *
 * `descriptor` is passed separately (the first case checks it equals `adapter.descriptor`) so the cases of
 * undeclared capabilities are reported as skipped rather than silently passing.
 */
export function describeGatewayConformance<C>(
  name: string,
  descriptor: GatewayDescriptor,
  createHarness: () => Promise<ConformanceHarness<C>>,
  options: ConformanceOptions = {},
): void {
  const t = testApi();
  const timeout = options.caseTimeoutMs ?? 30_000;
  t.describe(`${name}: gateway conformance (${descriptor.code})`, () => {
    let session: ConformanceSession<C> | undefined;
    t.beforeAll(async () => {
      session = new ConformanceSession(await createHarness(), descriptor);
    }, timeout);
    t.afterEach(async () => {
      await session?.h.sandbox.clearFaults();
    }, timeout);
    t.afterAll(async () => {
      await session?.h.close?.();
    }, timeout);
    for (const c of CONFORMANCE_CASES) {
      const run = async () => {
        assert.ok(session, 'the harness could not be created');
        await c.run(session as ConformanceSession<never>);
      };
      if (c.applies(descriptor)) t.it(c.title, run, timeout);
      else t.it.skip(`${c.title} (not declared)`, run);
    }
  });
}

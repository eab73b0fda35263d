import * as assert from 'node:assert/strict';
import { missingMethods, type CheckoutPreparation, type PaymentGatewayAdapter } from '../pg.adapter';
import { descriptorProblems } from '../pg.descriptor';
import { isKnownCurrency } from '../pg.money';
import type { LookupOutcome, NotSentOutcome, PaymentOutcome } from '../pg.outcomes';
import { BILLING_KEY_CASES } from './pg.conformance.key-cases';
import { expectStatus, isNotSent, show, type ConformanceCase } from './pg.conformance.session';

const always = () => true;

/** Every conformance case, in the order the suite runs them. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    title: 'declares what it implements, with a valid descriptor',
    applies: always,
    async run(s) {
      const { h } = s;
      assert.deepEqual(
        h.adapter.descriptor,
        s.descriptor,
        'adapter.descriptor differs from the descriptor given to the suite',
      );
      assert.deepEqual(descriptorProblems(h.adapter.descriptor), []);
      assert.deepEqual(missingMethods(h.adapter as PaymentGatewayAdapter), []);
      assert.ok(
        isKnownCurrency(h.currency) && s.descriptor.capabilities.currencies.includes(h.currency),
        `harness currency ${h.currency} is not declared`,
      );
      const refs = new Set(Array.from({ length: 50 }, () => h.newReference()));
      assert.equal(refs.size, 50, 'newReference() repeats itself');
    },
  },

  ...BILLING_KEY_CASES,

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
      const byId = await s.adapter.retrieve(s.h.credentials, {
        gatewayPaymentId: outcome.gatewayPaymentId,
        expected: amount,
        reference,
      });
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
      assert.equal(
        (await s.h.sandbox.charges(reference)).length,
        1,
        'expected exactly one charge: the adapter must not re-send on its own',
      );
    },
  },
  {
    title:
      'never reports success when the connection is reset before the PG did anything; the reference can then be paid once',
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
      expectStatus(
        'lookup after the reset',
        await s.adapter.retrieveByReference(s.h.credentials, { reference, expected: amount }),
        'NOT_FOUND',
        'PENDING',
      );
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
      expectStatus(
        'retrieveByReference answered 503',
        await s.adapter.retrieveByReference(h.credentials, { reference, expected: amount }),
        'UNKNOWN',
      );
      expectStatus(
        'retrieve answered 503',
        await s.adapter.retrieve(h.credentials, { gatewayPaymentId: id, expected: amount }),
        'UNKNOWN',
      );
      await h.sandbox.clearFaults();
      await h.sandbox.injectFault('lookup', { type: 'reset_before' }, { times: 10 });
      const unpaid = h.newReference();
      expectStatus(
        'lookup of an unpaid reference with a reset',
        await s.adapter.retrieveByReference(h.credentials, { reference: unpaid, expected: amount }),
        'UNKNOWN',
      );
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
        expectStatus(
          'retrieve while pending',
          await s.adapter.retrieve(h.credentials, { gatewayPaymentId: outcome.gatewayPaymentId, expected: amount }),
          'PENDING',
        );
        expectStatus(
          'retrieveByReference while pending',
          await s.adapter.retrieveByReference(h.credentials, { reference, expected: amount }),
          'PENDING',
        );
        await h.sandbox.settlePayment(outcome.gatewayPaymentId, to);
        const settled = await s.adapter.retrieve(h.credentials, {
          gatewayPaymentId: outcome.gatewayPaymentId,
          expected: amount,
          reference,
        });
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
        await h.sandbox.injectFault(
          s.payFlow,
          { type: 'decline', code, message: `conformance ${kind} decline` },
          { reference },
        );
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
      const more = await s.adapter.retrieve(h.credentials, {
        gatewayPaymentId: id,
        expected: s.money(1235),
        reference,
      });
      expectStatus('retrieve expecting another amount', more, 'MISMATCH');
      assert.equal(more.field, 'amount');
      assert.deepEqual(more.reported, amount);
      const currency = await s.adapter.retrieveByReference(h.credentials, {
        reference,
        expected: s.money(1234, s.otherCurrency()),
      });
      expectStatus('retrieveByReference expecting another currency', currency, 'MISMATCH');
      assert.equal(currency.field, 'currency');
      const other = await s.adapter.retrieve(h.credentials, {
        gatewayPaymentId: id,
        expected: amount,
        reference: h.newReference(),
      });
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
        outcome = await s.adapter.chargeBillingKey(
          h.credentials,
          s.chargeInput(await s.activeKey(), reference, amount, 'Refused currency'),
        );
      } else {
        outcome = await s.adapter.prepareCheckout(h.credentials, {
          reference,
          amount,
          orderName: 'Refused currency',
          successUrl: 'https://merchant.example/s',
          failUrl: 'https://merchant.example/f',
        });
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
      const parsed = s.adapter.parseWebhook(
        h.credentials,
        h.forgeWebhook({ gatewayPaymentId: id, reference }, h.forgedStatus ?? 'cancelled'),
      );
      assert.equal(parsed.kind, 'refetch', show(parsed));
      assert.ok(!('status' in parsed), `parseWebhook returned a status: ${show(parsed)}`);
      if (parsed.kind !== 'refetch') return;
      assert.ok(
        parsed.gatewayPaymentId === id || parsed.reference === reference,
        `the webhook does not point at the payment: ${show(parsed)}`,
      );
      const truth: LookupOutcome = parsed.gatewayPaymentId
        ? await s.adapter.retrieve(h.credentials, {
            gatewayPaymentId: parsed.gatewayPaymentId,
            expected: amount,
            reference,
          })
        : await s.adapter.retrieveByReference(h.credentials, { reference: parsed.reference!, expected: amount });
      expectStatus('re-fetch after a forged webhook', truth, 'SUCCEEDED');
      assert.deepEqual(truth.refunded, s.money(0), 'a forged webhook changed the payment');

      const ghost = s.adapter.parseWebhook(
        h.credentials,
        h.forgeWebhook({ gatewayPaymentId: `${id}0`, reference: h.newReference() }, 'paid'),
      );
      assert.equal(ghost.kind, 'refetch', show(ghost));
      if (ghost.kind === 'refetch' && ghost.gatewayPaymentId) {
        const found = await s.adapter.retrieve(h.credentials, {
          gatewayPaymentId: ghost.gatewayPaymentId,
          expected: amount,
        });
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
      const outcome = await s.adapter.cancel(s.h.credentials, {
        gatewayPaymentId: id,
        reference,
        reason: 'conformance full cancel',
        cancelId: s.h.newReference(),
      });
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
      const part = await s.adapter.cancel(s.h.credentials, {
        gatewayPaymentId: id,
        reference,
        amount: s.money(300),
        reason: 'partial',
        cancelId: s.h.newReference(),
        refundableBalance: amount,
      });
      await s.cancelled(part, id, s.money(300));
      if (part.status === 'SUCCEEDED') {
        assert.deepEqual(part.totalRefunded, s.money(300));
        assert.deepEqual(part.remaining, s.money(700));
      }
      assert.equal(await s.refundedOf(id, reference, amount), 300);
      const rest = await s.adapter.cancel(s.h.credentials, {
        gatewayPaymentId: id,
        reference,
        reason: 'the rest',
        cancelId: s.h.newReference(),
        refundableBalance: s.money(700),
      });
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
      const outcome = await s.adapter.cancel(h.credentials, {
        gatewayPaymentId: id,
        reference,
        reason: 'pending cancel',
        cancelId: h.newReference(),
      });
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
      const outcome = await s.adapter.cancel(s.h.credentials, {
        gatewayPaymentId: id,
        reference,
        amount: s.money(600),
        reason: 'too much',
        cancelId: s.h.newReference(),
      });
      expectStatus('over-refund', outcome, 'DECLINED', 'NOT_SENT');
      assert.equal(await s.refundedOf(id, reference, amount), 0);
    },
  },
];

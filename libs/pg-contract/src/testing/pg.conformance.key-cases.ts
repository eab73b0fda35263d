import * as assert from 'node:assert/strict';
import { CAPABILITY_METHODS, hasCapability, type Capability, type DeleteBillingKeyInput } from '../pg.adapter';
import { billingKeyFlowOf, type GatewayDescriptor } from '../pg.descriptor';
import type { BillingKeyOutcome } from '../pg.outcomes';
import { expectStatus, isNotSent, show, type ConformanceCase } from './pg.conformance.session';

/**
 * The billing-key cases. PG-agnostic: the key charged and deleted is the one the completion reported
 * (`gatewayBillingKey ?? our id`, with our id as `issuedAs`), the delete case runs only where the gateway declares
 * `billingKeyDeletion`, and redirect SDKs get our return routes at issuance and answer the landing URL's query.
 */

const billingKeysOnly = (d: GatewayDescriptor) => d.capabilities.billingKeys;
const deletesKeys = (d: GatewayDescriptor) => d.capabilities.billingKeys && d.capabilities.billingKeyDeletion === true;
/** Whether some declared capability's `CAPABILITY_METHODS` entry lists `deleteBillingKey`. */
const requiresDelete = (d: GatewayDescriptor) =>
  (Object.keys(CAPABILITY_METHODS) as Capability[]).some(
    (k) => hasCapability(d, k) && (CAPABILITY_METHODS[k] as readonly string[]).includes('deleteBillingKey'),
  );

export const BILLING_KEY_CASES: readonly ConformanceCase[] = [
  {
    title: 'issues a billing key the buyer approved, and completing it again is idempotent',
    applies: billingKeysOnly,
    async run(s) {
      const issued = await s.issueKey();
      expectStatus('completeBillingKey', issued.result, 'ACTIVE');
      // The outcome names OUR id; the PG's own key, when it mints one, travels beside it.
      assert.equal(issued.result.billingKey, issued.billingKey);
      const minted = issued.result.gatewayBillingKey;
      assert.ok(
        minted === undefined || (typeof minted === 'string' && minted.length > 0),
        `gatewayBillingKey must be absent or a non-empty string: ${show(issued.result)}`,
      );
      const again = await s.adapter.completeBillingKey(s.h.credentials, {
        billingKey: issued.billingKey,
        reference: issued.reference,
        pointer: issued.pointer,
      });
      expectStatus('second completeBillingKey', again, 'ACTIVE');
      assert.equal(again.gatewayBillingKey, minted, 'completing the same issuance again reported another PG key');
    },
  },
  {
    title: 'does not activate a key the buyer cancelled',
    applies: billingKeysOnly,
    async run(s) {
      expectStatus(
        'completeBillingKey after the buyer closed the window',
        (await s.issueKey('cancel')).result,
        'FAILED',
      );
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
      const client = await s.adapter.issueBillingKey(s.h.credentials, s.issueInput(billingKey, reference));
      assert.ok(!isNotSent(client), show(client));
      const forged: BillingKeyOutcome = await s.adapter.completeBillingKey(s.h.credentials, {
        billingKey,
        reference,
        pointer: other.pointer,
      });
      expectStatus('completeBillingKey with another issuance pointer', forged, 'FAILED');
    },
  },
  {
    title: 'refuses a redirect issuance without our return routes, before the buyer sees it',
    applies: (d) => d.capabilities.billingKeys && billingKeyFlowOf(d) === 'redirect',
    async run(s) {
      const billingKey = `key-${s.h.newReference()}`;
      const outcome = await s.adapter.issueBillingKey(s.h.credentials, {
        billingKey,
        reference: s.h.newReference(),
        buyer: s.buyer(),
      });
      assert.ok(
        isNotSent(outcome),
        `a redirect SDK without return URLs strands the buyer; expected NOT_SENT, got ${show(outcome)}`,
      );
      assert.equal(outcome.reason, 'invalid_request');
      assert.equal(outcome.retryable, false);
    },
  },
  {
    title: 'revokes a billing key idempotently, and a charge on it is a hard decline that takes nothing',
    applies: deletesKeys,
    async run(s) {
      const issued = await s.issueKey();
      expectStatus('issuance', issued.result, 'ACTIVE');
      const del = (reason?: string): DeleteBillingKeyInput => ({
        billingKey: issued.key,
        issuedAs: issued.issuedAs,
        ...(reason ? { reason } : {}),
      });
      expectStatus(
        'deleteBillingKey',
        await s.adapter.deleteBillingKey(s.h.credentials, del('conformance')),
        'DELETED',
      );
      expectStatus('second deleteBillingKey', await s.adapter.deleteBillingKey(s.h.credentials, del()), 'DELETED');
      const reference = s.h.newReference();
      const outcome = await s.adapter.chargeBillingKey(
        s.h.credentials,
        s.chargeInput(issued, reference, s.money(1000), 'After revoke'),
      );
      expectStatus('charge on a revoked key', outcome, 'DECLINED');
      assert.equal(outcome.kind, 'hard', `a revoked key must be a hard decline: ${show(outcome)}`);
      assert.equal((await s.h.sandbox.charges(reference)).length, 0);
    },
  },
  {
    title: 'declares that it cannot revoke keys at the PG, and is not made to',
    applies: (d) => d.capabilities.billingKeys && !deletesKeys(d),
    async run(s) {
      assert.equal(
        s.descriptor.capabilities.billingKeyDeletion,
        false,
        'billingKeyDeletion must be a boolean wherever billingKeys is true',
      );
      assert.ok(
        typeof s.h.adapter.deleteBillingKey !== 'function' || !requiresDelete(s.descriptor),
        'deleteBillingKey is required although billingKeyDeletion is false',
      );
    },
  },
];

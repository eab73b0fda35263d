import * as assert from 'node:assert/strict';
import type {
  BuyerInfo,
  ChargeBillingKeyInput,
  CheckoutPreparation,
  ClientRequest,
  IssueBillingKeyInput,
  PaymentGatewayAdapter,
  WebhookInput,
} from '../pg.adapter';
import { billingKeyFlowOf, type GatewayDescriptor } from '../pg.descriptor';
import type { Money } from '../pg.money';
import type { BillingKeyOutcome, CancelOutcome, NotSentOutcome, PaymentOutcome } from '../pg.outcomes';
import type { ConformanceFlow, SandboxBuyer, SandboxControl } from './pg.sandbox-control';

/** What an adapter's spec hands the suite. Created once per suite (beforeAll) and closed after it. */
export interface ConformanceHarness<C = unknown> {
  /** The real adapter under test, configured for its PG's sandbox with a short request timeout (the timeout case waits for it). */
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
  /** The PG's sandbox, driven over HTTP (or any {@link SandboxControl}). */
  readonly sandbox: SandboxControl;
  /** What the buyer does in the PG's window. */
  readonly buyer: SandboxBuyer;
  /** The buyer the suite issues keys and checkouts for. */
  readonly buyerInfo?: BuyerInfo;
  /** Builds a webhook as the PG would post it about `target`, with `forgedStatus` planted where the PG puts a status. */
  forgeWebhook?(
    target: { readonly gatewayPaymentId: string; readonly reference: string },
    forgedStatus: string,
  ): WebhookInput;
  /** A status a forger would plant (PortOne `cancelled`, Toss `CANCELED`). Default `cancelled`. */
  readonly forgedStatus?: string;
  /** One-time payments: the success-redirect query with its amount replaced (a buyer tampering with the URL). */
  tamperCheckoutAmount?(query: Readonly<Record<string, string>>, amount: Money): Record<string, string>;
  /** Releases what the harness opened (servers, sockets). */
  close?(): Promise<void>;
}

/** Our return routes, as the core fills them for redirect flows (`/v1/billing-keys/{id}/return` and `/fail`). */
export function conformanceReturnUrls(billingKey: string): { returnUrl: string; failUrl: string } {
  const base = `https://merchant.example/v1/billing-keys/${encodeURIComponent(billingKey)}`;
  return { returnUrl: `${base}/return`, failUrl: `${base}/fail` };
}

export const show = (v: unknown) => JSON.stringify(v);

export function expectStatus<S extends string>(
  what: string,
  outcome: { status: string },
  ...statuses: S[]
): asserts outcome is { status: S } {
  assert.ok(
    (statuses as string[]).includes(outcome.status),
    `${what}: expected ${statuses.join(' or ')}, got ${show(outcome)}`,
  );
}

export function isNotSent(v: unknown): v is NotSentOutcome {
  return typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'NOT_SENT';
}

/** A billing key as the core stores it: the key the PG charges, and the id we minted at issuance. */
export interface ConformanceKey {
  /** What charges and deletes send as `billingKey`: `gatewayBillingKey ?? our id`. */
  readonly key: string;
  /** The id we minted at issuance (`issuedAs`). */
  readonly issuedAs: string;
}

/** An issuance the suite ran: our ids, what the buyer's window gave back, and the completion's outcome. */
export interface ConformanceIssuance extends ConformanceKey {
  readonly billingKey: string;
  readonly reference: string;
  readonly pointer: Record<string, unknown>;
  readonly client: ClientRequest;
  readonly result: BillingKeyOutcome;
}

/**
 * One harness plus the helpers every case shares (a billing key issued once, the gateway's payment flow). Created by
 * `describeGatewayConformance`; exported so a spec can run single cases directly (e.g. to prove that a broken
 * adapter fails them).
 */
export class ConformanceSession<C = unknown> {
  private sharedKey?: ConformanceKey;

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
    return (
      this.h.buyerInfo ?? {
        id: 'conformance-buyer',
        email: 'buyer@example.com',
        firstName: 'Con',
        lastName: 'Formance',
        country: 'US',
      }
    );
  }

  /** The issuance input the core would build: our minted id and reference, plus our return routes where the SDK redirects. */
  issueInput(billingKey: string, reference: string, name?: string): IssueBillingKeyInput {
    const urls = billingKeyFlowOf(this.descriptor) === 'redirect' ? conformanceReturnUrls(billingKey) : {};
    return { billingKey, reference, buyer: this.buyer(), ...(name ? { name } : {}), ...urls };
  }

  /** Issues a billing key through the buyer's window and completes it with whatever the window gave back. */
  async issueKey(outcome: 'approve' | 'cancel' | 'fail' = 'approve'): Promise<ConformanceIssuance> {
    const { h } = this;
    const billingKey = `key-${h.newReference()}`;
    const reference = h.newReference();
    const input = this.issueInput(billingKey, reference, 'Conformance billing key');
    const client = await this.adapter.issueBillingKey(h.credentials, input);
    assert.ok(!isNotSent(client), `issueBillingKey refused valid input: ${show(client)}`);
    assert.ok(h.buyer.approveBillingKey, 'harness.buyer.approveBillingKey is required for billing keys');
    const pointer = await h.buyer.approveBillingKey(client as ClientRequest, outcome, {
      billingKey,
      reference,
      flow: billingKeyFlowOf(this.descriptor),
      ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
      ...(input.failUrl ? { failUrl: input.failUrl } : {}),
    });
    const result = await this.adapter.completeBillingKey(h.credentials, { billingKey, reference, pointer });
    const minted = result.status === 'ACTIVE' ? result.gatewayBillingKey : undefined;
    return {
      billingKey,
      reference,
      pointer,
      client: client as ClientRequest,
      result,
      key: minted ?? billingKey,
      issuedAs: billingKey,
    };
  }

  /** The suite's billing key, issued on first use. */
  async activeKey(): Promise<ConformanceKey> {
    if (this.sharedKey) return this.sharedKey;
    const issued = await this.issueKey();
    expectStatus('billing key issuance', issued.result, 'ACTIVE');
    this.sharedKey = { key: issued.key, issuedAs: issued.issuedAs };
    return this.sharedKey;
  }

  /** A charge as the core sends it: the PG's key, and the id we minted as `issuedAs`. */
  chargeInput(k: ConformanceKey, reference: string, amount: Money, orderName: string): ChargeBillingKeyInput {
    return { billingKey: k.key, issuedAs: k.issuedAs, reference, amount, orderName, buyer: this.buyer() };
  }

  /** Whatever must exist before a payment fault is injected (the billing key: its issuance must not meet the fault). */
  async beforePayment(): Promise<void> {
    if (this.descriptor.capabilities.billingKeys) await this.activeKey();
  }

  /** Makes a payment through the gateway's flow; `replay` sends exactly the same request again. */
  async pay(
    reference: string,
    amount: Money,
  ): Promise<{ outcome: PaymentOutcome; replay: () => Promise<PaymentOutcome> }> {
    const { h } = this;
    if (this.descriptor.capabilities.billingKeys) {
      const input = this.chargeInput(await this.activeKey(), reference, amount, 'Conformance charge');
      return {
        outcome: await this.adapter.chargeBillingKey(h.credentials, input),
        replay: () => this.adapter.chargeBillingKey(h.credentials, input),
      };
    }
    const checkout = await this.prepare(reference, amount);
    assert.ok(h.buyer.completeCheckout, 'harness.buyer.completeCheckout is required for one-time payments');
    const redirect = await h.buyer.completeCheckout(checkout, 'approve');
    assert.ok(redirect.success, `the sandbox buyer did not reach the success URL: ${show(redirect)}`);
    const input = { reference, expected: amount, pointer: redirect.query };
    return {
      outcome: await this.adapter.confirm(h.credentials, input),
      replay: () => this.adapter.confirm(h.credentials, input),
    };
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
    const after = await this.adapter.retrieve(this.h.credentials, {
      gatewayPaymentId: id,
      expected: amount,
      reference,
    });
    expectStatus('retrieve after cancel', after, 'SUCCEEDED');
    return after.refunded.amount;
  }

  /** A cancel the PG has not approved yet is finished through the sandbox; a done one is checked as is. */
  async cancelled(outcome: CancelOutcome, id: string, expected: Money): Promise<void> {
    expectStatus('cancel', outcome, 'SUCCEEDED', 'PENDING');
    if (outcome.status === 'PENDING') {
      assert.deepEqual(
        outcome.requested,
        expected,
        `pending cancel asks for ${show(outcome.requested)}, expected ${show(expected)}`,
      );
      await this.h.sandbox.settleCancels(id, 'done');
    } else {
      assert.deepEqual(
        outcome.refunded,
        expected,
        `cancel refunded ${show(outcome.refunded)}, expected ${show(expected)}`,
      );
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

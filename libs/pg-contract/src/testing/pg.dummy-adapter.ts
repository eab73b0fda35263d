import type {
  CancelInput,
  ChargeBillingKeyInput,
  CheckoutPreparation,
  ClientRequest,
  CompleteBillingKeyInput,
  ConfirmInput,
  DeleteBillingKeyInput,
  IssueBillingKeyInput,
  PaymentGatewayAdapter,
  PrepareCheckoutInput,
  RetrieveByReferenceInput,
  RetrieveInput,
  WebhookInput,
  WebhookParseResult,
} from '../pg.adapter';
import { billingKeyFlowOf, preflightAmount, type GatewayDescriptor } from '../pg.descriptor';
import { checkIntegrity } from '../pg.integrity';
import { classifyDecline, defineDeclineTable, defineStatusTable, mapStatus } from '../pg.mapper';
import type { Money } from '../pg.money';
import {
  notSent,
  unknownOutcome,
  type BillingKeyOutcome,
  type CancelOutcome,
  type DeleteBillingKeyOutcome,
  type LookupOutcome,
  type NotSentOutcome,
  type PaymentOutcome,
} from '../pg.outcomes';
import { DummyTransportError, type DummyAnswer, type DummyOperation, type DummyPg } from './pg.dummy-pg';

/**
 * TEST ONLY. A conforming adapter for the in-memory {@link DummyPg}; the library's specs break it on purpose to prove
 * the conformance suite catches each bug. It shows the contract's shape, not any PG's.
 */

/** The dummy's credentials. */
export interface DummyCredentials {
  readonly merchant: string;
}

/** Which kind of gateway the dummy plays. */
export type DummyKind = 'billing-keys' | 'billing-keys-redirect' | 'one-time';

/** The descriptor of each kind: the redirect kind's PG mints its own keys and cannot delete them. */
export function dummyDescriptor(kind: DummyKind): GatewayDescriptor {
  const billingKeys = kind !== 'one-time';
  return {
    code: `dummy-${kind}`,
    displayName: `Dummy gateway (${kind}, test only)`,
    paymentMethod: 'card',
    capabilities: {
      oneTimePayments: !billingKeys,
      billingKeys,
      ...(billingKeys
        ? {
            billingKeyDeletion: kind === 'billing-keys',
            billingKeyFlow: kind === 'billing-keys' ? 'callback' : 'redirect',
          }
        : {}),
      cancel: true,
      partialCancel: true,
      webhookKind: 'unsigned',
      currencies: ['USD', 'EUR'],
      refusesCurrencies: ['KRW'],
      pendingPayments: billingKeys,
    },
  };
}

const STATUS = defineStatusTable({ paid: 'SUCCEEDED', pending: 'PENDING', failed: 'DECLINED' });
/** The codes the library's self-test injects; anything else is soft (an unknown refusal is retried). */
export const DUMMY_DECLINES = defineDeclineTable({
  HARD_DECLINE: 'hard',
  KEY_NOT_ACTIVE: 'hard',
  SOFT_DECLINE: 'soft',
});

type Body = Readonly<Record<string, any>>;

/** The dummy adapter. Methods are own properties, so a spec can replace one to plant a bug. */
export class DummyAdapter implements PaymentGatewayAdapter<DummyCredentials> {
  readonly descriptor: GatewayDescriptor;

  constructor(
    private readonly pg: DummyPg,
    kind: DummyKind,
  ) {
    this.descriptor = dummyDescriptor(kind);
    if (kind === 'billing-keys-redirect') delete (this as Partial<DummyAdapter>).deleteBillingKey;
    if (kind === 'one-time')
      for (const m of ['issueBillingKey', 'completeBillingKey', 'deleteBillingKey', 'chargeBillingKey'] as const)
        delete (this as Partial<DummyAdapter>)[m];
    else for (const m of ['prepareCheckout', 'confirm'] as const) delete (this as Partial<DummyAdapter>)[m];
  }

  private async send(op: DummyOperation, req: Record<string, unknown>): Promise<DummyAnswer | PaymentOutcome> {
    try {
      return await this.pg.call(op, req);
    } catch (err) {
      // Either way the request may have reached the PG: UNKNOWN, resolved by a lookup.
      if (err instanceof DummyTransportError)
        return unknownOutcome(err.kind === 'timeout' ? 'timeout' : 'connection', err.message);
      throw err;
    }
  }

  private payment(res: DummyAnswer | PaymentOutcome): PaymentOutcome {
    if ('status' in res) return res;
    const b: Body = res.body;
    if (res.http >= 500) return unknownOutcome('server_error', String(b.message), { httpStatus: res.http });
    if (res.http === 400) return notSent('refused_by_pg', String(b.code), String(b.message), false);
    if (res.http >= 400)
      return {
        status: 'DECLINED',
        kind: classifyDecline(DUMMY_DECLINES, b.code),
        code: String(b.code),
        message: String(b.message),
      };
    const base = { gatewayPaymentId: String(b.id), reference: String(b.reference), rawStatus: String(b.status) };
    switch (mapStatus(STATUS, b.status)) {
      case 'SUCCEEDED':
        return {
          status: 'SUCCEEDED',
          ...base,
          amount: b.amount as Money,
          refunded: { amount: b.refunded as number, currency: b.amount.currency },
        };
      case 'PENDING':
        return { status: 'PENDING', ...base, amount: b.amount as Money };
      case 'DECLINED':
        return { status: 'DECLINED', kind: 'soft', code: 'FAILED', message: 'the payment failed', ...base };
      default:
        return unknownOutcome('unmapped_status', `unmapped status ${String(b.status)}`, base);
    }
  }

  private lookup(res: DummyAnswer | PaymentOutcome): LookupOutcome {
    if (!('status' in res) && res.http === 404) return { status: 'NOT_FOUND', message: String(res.body.message) };
    // A lookup the PG refused tells nothing about the payment.
    if (!('status' in res) && res.http >= 400 && res.http < 500)
      return unknownOutcome('unreadable_response', String(res.body.message), { httpStatus: res.http });
    return this.payment(res);
  }

  issueBillingKey? = async (
    _c: DummyCredentials,
    input: IssueBillingKeyInput,
  ): Promise<ClientRequest | NotSentOutcome> => {
    const redirect = this.descriptor.capabilities.billingKeys && billingKeyFlowOf(this.descriptor) === 'redirect';
    if (redirect && (!input.returnUrl || !input.failUrl))
      return notSent('invalid_request', 'RETURN_URL_REQUIRED', 'a redirect issuance needs return and fail URLs', false);
    const urls = redirect ? { returnUrl: input.returnUrl, failUrl: input.failUrl } : {};
    return {
      sdk: 'dummy-v1',
      init: { merchant: _c.merchant },
      method: 'authorize',
      request: { billingKey: input.billingKey, reference: input.reference, ...urls },
    };
  };

  completeBillingKey? = async (_c: DummyCredentials, input: CompleteBillingKeyInput): Promise<BillingKeyOutcome> => {
    const pointer = input.pointer.pointer ?? input.pointer.authPointer;
    if (typeof pointer !== 'string')
      return { status: 'FAILED', code: 'INVALID_POINTER', message: 'the buyer came back without an approval' };
    const res = await this.send('completeKey', { pointer });
    if ('status' in res) return res.status === 'UNKNOWN' ? res : unknownOutcome('unreadable_response', 'unexpected');
    if (res.http === 404) return { status: 'FAILED', code: 'INVALID_POINTER', message: 'no such issuance' };
    if (res.http !== 200) return unknownOutcome('server_error', String(res.body.message), { httpStatus: res.http });
    const b: Body = res.body;
    if (b.reference !== input.reference || b.billingKey !== input.billingKey)
      return { status: 'FAILED', code: 'REFERENCE_MISMATCH', message: 'the pointer names another issuance' };
    if (b.state !== 'active') return { status: 'FAILED', code: 'BUYER_CANCELED', message: 'the buyer did not approve' };
    const minted = b.key !== input.billingKey ? { gatewayBillingKey: String(b.key) } : {};
    return { status: 'ACTIVE', billingKey: input.billingKey, rawStatus: 'active', ...minted };
  };

  chargeBillingKey? = async (_c: DummyCredentials, input: ChargeBillingKeyInput): Promise<PaymentOutcome> => {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    const res = await this.send('charge', {
      key: input.billingKey,
      issuedAs: input.issuedAs,
      reference: input.reference,
      amount: input.amount,
    });
    return checkIntegrity(input.amount, this.payment(res), { reference: input.reference }) as PaymentOutcome;
  };

  deleteBillingKey? = async (_c: DummyCredentials, input: DeleteBillingKeyInput): Promise<DeleteBillingKeyOutcome> => {
    const res = await this.send('deleteKey', { key: input.billingKey, issuedAs: input.issuedAs });
    if ('status' in res) return res.status === 'UNKNOWN' ? res : unknownOutcome('unreadable_response', 'unexpected');
    if (res.http !== 200) return unknownOutcome('server_error', String(res.body.message), { httpStatus: res.http });
    return { status: 'DELETED', alreadyAbsent: res.body.alreadyAbsent === true };
  };

  prepareCheckout? = async (
    _c: DummyCredentials,
    input: PrepareCheckoutInput,
  ): Promise<CheckoutPreparation | NotSentOutcome> => {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    const request = {
      reference: input.reference,
      amount: input.amount,
      successUrl: input.successUrl,
      failUrl: input.failUrl,
    };
    return {
      reference: input.reference,
      amount: input.amount,
      client: { sdk: 'dummy-v1', init: { merchant: _c.merchant }, method: 'pay', request },
    };
  };

  confirm? = async (_c: DummyCredentials, input: ConfirmInput): Promise<PaymentOutcome> => {
    const { token, reference, amount, currency } = input.pointer;
    if (
      reference !== input.reference ||
      amount !== String(input.expected.amount) ||
      currency !== input.expected.currency
    ) {
      return notSent('invalid_request', 'AMOUNT_MISMATCH', 'the redirect does not match the stored order', false);
    }
    const res = await this.send('confirm', { token, reference, amount: input.expected });
    return checkIntegrity(input.expected, this.payment(res), { reference: input.reference }) as PaymentOutcome;
  };

  retrieve = async (_c: DummyCredentials, input: RetrieveInput): Promise<LookupOutcome> =>
    checkIntegrity(
      input.expected,
      this.lookup(await this.send('getPayment', { id: input.gatewayPaymentId })),
      input.reference ? { reference: input.reference } : {},
    );

  retrieveByReference = async (_c: DummyCredentials, input: RetrieveByReferenceInput): Promise<LookupOutcome> =>
    checkIntegrity(input.expected, this.lookup(await this.send('findByReference', { reference: input.reference })), {
      reference: input.reference,
    });

  cancel = async (_c: DummyCredentials, input: CancelInput): Promise<CancelOutcome> => {
    const res = await this.send('cancel', {
      id: input.gatewayPaymentId,
      reference: input.reference,
      amount: input.amount?.amount,
      cancelId: input.cancelId,
    });
    if ('status' in res) return res.status === 'UNKNOWN' ? res : unknownOutcome('unreadable_response', 'unexpected');
    const b: Body = res.body;
    if (res.http >= 500) return unknownOutcome('server_error', String(b.message), { httpStatus: res.http });
    if (res.http >= 400) return { status: 'DECLINED', code: String(b.code), message: String(b.message) };
    const currency = b.amount.currency as string;
    const asked = { amount: b.cancel.amount as number, currency };
    if (b.cancel.status === 'pending') return { status: 'PENDING', requested: asked, rawStatus: 'pending' };
    return {
      status: 'SUCCEEDED',
      refunded: asked,
      totalRefunded: { amount: b.refunded, currency },
      remaining: { amount: b.amount.amount - b.refunded, currency },
      rawStatus: 'done',
    };
  };

  parseWebhook = (_c: DummyCredentials, input: WebhookInput): WebhookParseResult => {
    const b = input.body as Body | null;
    if (
      !b ||
      typeof b !== 'object' ||
      Array.isArray(b) ||
      (typeof b.paymentId !== 'string' && typeof b.reference !== 'string')
    )
      return { kind: 'ignore', reason: 'names no payment' };
    return {
      kind: 'refetch',
      ...(typeof b.paymentId === 'string' ? { gatewayPaymentId: b.paymentId } : {}),
      ...(typeof b.reference === 'string' ? { reference: b.reference } : {}),
      ...(typeof b.event === 'string' ? { event: b.event } : {}),
    };
  };
}

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import type {
  CallOptions,
  CancelInput,
  CheckoutPreparation,
  ConfirmInput,
  PaymentGatewayAdapter,
  PrepareCheckoutInput,
  RetrieveByReferenceInput,
  RetrieveInput,
  WebhookInput,
  WebhookParseResult,
} from '../pg.adapter';
import { preflightAmount, type GatewayDescriptor } from '../pg.descriptor';
import { checkIntegrity } from '../pg.integrity';
import { classifyDecline, defineDeclineTable, defineStatusTable, mapStatus } from '../pg.mapper';
import { fromMajorUnits, toMajorNumber, type Money } from '../pg.money';
import { notSent, unknownOutcome, type CancelOutcome, type LookupOutcome, type NotSentOutcome, type PaymentOutcome } from '../pg.outcomes';
import { sendJson, type HttpResult } from '../reference/reference.http';
import { describeGatewayConformance } from './pg.conformance';
import { tossSandboxBuyer, tossSandboxControl } from './pg.sandbox-control';

/**
 * The suite's one-time-payment path, exercised by a deliberately small Toss foreign-easy-pay adapter that lives only
 * in this spec (the product's Toss adapter is built elsewhere against the same suite). It shows that the cases for
 * `oneTimePayments` run against the Toss sandbox as written.
 */

interface MiniTossCredentials {
  clientKey: string;
  secretKey: string;
}

const DESCRIPTOR: GatewayDescriptor = {
  code: 'mini-toss',
  paymentMethod: 'paypal',
  displayName: 'Toss foreign easy pay (suite self-test)',
  capabilities: {
    oneTimePayments: true,
    billingKeys: false,
    cancel: true,
    partialCancel: true,
    webhookKind: 'unsigned',
    currencies: ['USD'],
    refusesCurrencies: ['KRW'],
  },
};

const STATUS = defineStatusTable({
  DONE: 'SUCCEEDED',
  CANCELED: 'SUCCEEDED',
  PARTIAL_CANCELED: 'SUCCEEDED',
  READY: 'PENDING',
  IN_PROGRESS: 'PENDING',
  WAITING_FOR_DEPOSIT: 'PENDING',
  ABORTED: 'DECLINED',
  EXPIRED: 'DECLINED',
});
const CANCEL_STATUS = defineStatusTable({ DONE: 'SUCCEEDED', IN_PROGRESS: 'PENDING', ABORTED: 'DECLINED' }, 'PENDING');
const DECLINES = defineDeclineTable({ INVALID_STOPPED_CARD: 'hard', REJECT_CARD_COMPANY: 'soft', PROVIDER_ERROR: 'soft' });

type Obj = Record<string, any>;

class MiniTossAdapter implements PaymentGatewayAdapter<MiniTossCredentials> {
  readonly descriptor = DESCRIPTOR;
  constructor(private readonly baseUrl: string) {}

  async prepareCheckout(c: MiniTossCredentials, input: PrepareCheckoutInput): Promise<CheckoutPreparation | NotSentOutcome> {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    return {
      reference: input.reference,
      amount: input.amount,
      client: {
        sdk: 'tosspayments-v2',
        init: { clientKey: c.clientKey },
        method: 'requestPayment',
        request: {
          method: 'FOREIGN_EASY_PAY',
          amount: { currency: 'USD', value: toMajorNumber(input.amount) },
          orderId: input.reference,
          orderName: input.orderName,
          successUrl: input.successUrl,
          failUrl: input.failUrl,
          foreignEasyPay: { provider: 'PAYPAL', country: input.buyer?.country ?? 'US' },
        },
      },
    };
  }

  async confirm(c: MiniTossCredentials, input: ConfirmInput, o: CallOptions = {}): Promise<PaymentOutcome> {
    const { paymentKey, orderId, amount } = input.pointer;
    let redirected: Money;
    try {
      redirected = fromMajorUnits(amount, 'USD');
    } catch {
      return notSent('invalid_request', 'AMOUNT_MISMATCH', 'unreadable redirect amount', false);
    }
    if (orderId !== input.reference || redirected.amount !== input.expected.amount || input.expected.currency !== 'USD') {
      return notSent('invalid_request', 'AMOUNT_MISMATCH', 'the redirect does not match the stored order', false);
    }
    const res = await this.call(c, 'POST', '/v1/payments/confirm', { paymentKey, orderId, amount: toMajorNumber(input.expected) }, `confirm-${orderId}`, o);
    if (res.kind === 'answer' && (res.json as Obj | undefined)?.code === 'ALREADY_PROCESSED_PAYMENT') {
      return this.retrieveByReference(c, { reference: input.reference, expected: input.expected }, o) as Promise<PaymentOutcome>;
    }
    return checkIntegrity(input.expected, this.outcome(res), { reference: input.reference }) as PaymentOutcome;
  }

  async retrieve(c: MiniTossCredentials, input: RetrieveInput, o: CallOptions = {}): Promise<LookupOutcome> {
    const res = await this.call(c, 'GET', `/v1/payments/${encodeURIComponent(input.gatewayPaymentId)}`, undefined, undefined, o);
    return checkIntegrity(input.expected, this.lookup(res), input.reference ? { reference: input.reference } : {});
  }

  async retrieveByReference(c: MiniTossCredentials, input: RetrieveByReferenceInput, o: CallOptions = {}): Promise<LookupOutcome> {
    const res = await this.call(c, 'GET', `/v1/payments/orders/${encodeURIComponent(input.reference)}`, undefined, undefined, o);
    return checkIntegrity(input.expected, this.lookup(res), { reference: input.reference });
  }

  async cancel(c: MiniTossCredentials, input: CancelInput, o: CallOptions = {}): Promise<CancelOutcome> {
    const body: Obj = { cancelReason: input.reason };
    if (input.amount) {
      const refused = preflightAmount(this.descriptor, input.amount);
      if (refused) return refused;
      // A partial cancel of foreign easy pay needs the currency (seed 000).
      Object.assign(body, { cancelAmount: toMajorNumber(input.amount), currency: input.amount.currency });
    }
    const res = await this.call(c, 'POST', `/v1/payments/${encodeURIComponent(input.gatewayPaymentId)}/cancel`, body, input.cancelId, o);
    if (res.kind === 'not_sent') return notSent('connection', res.code, res.message, true);
    if (res.kind === 'unknown') return unknownOutcome(res.reason, res.message);
    const j = res.json as Obj | undefined;
    if (res.httpStatus >= 500) return unknownOutcome('server_error', String(j?.message), { httpStatus: res.httpStatus });
    if (res.httpStatus >= 400) return { status: 'DECLINED', code: String(j?.code), message: String(j?.message) };
    const cancels: Obj[] = j?.cancels ?? [];
    const last = cancels[cancels.length - 1];
    if (!last) return unknownOutcome('unreadable_response', 'no cancel in the answer');
    const cls = mapStatus(CANCEL_STATUS, last.cancelStatus);
    const refunded = fromMajorUnits(last.cancelAmount, 'USD');
    if (cls === 'PENDING') return { status: 'PENDING', requested: refunded, gatewayCancelId: last.transactionKey, rawStatus: last.cancelStatus };
    if (cls === 'DECLINED') return { status: 'DECLINED', code: 'CANCEL_ABORTED', message: 'the cancel was aborted' };
    const total = fromMajorUnits(j!.totalAmount, 'USD');
    const done = doneRefunds(cancels);
    return { status: 'SUCCEEDED', refunded, totalRefunded: done, remaining: { amount: total.amount - done.amount, currency: 'USD' }, gatewayCancelId: last.transactionKey, rawStatus: j!.status };
  }

  parseWebhook(_c: MiniTossCredentials, input: WebhookInput): WebhookParseResult {
    const body = input.body as Obj | null;
    const data = body && typeof body === 'object' && !Array.isArray(body) ? body.data : undefined;
    if (!data || typeof data !== 'object' || typeof data.paymentKey !== 'string') return { kind: 'ignore', reason: 'no paymentKey' };
    const dedup = input.headers['tosspayments-webhook-transmission-id'];
    return {
      kind: 'refetch',
      gatewayPaymentId: data.paymentKey,
      ...(typeof data.orderId === 'string' ? { reference: data.orderId } : {}),
      ...(typeof body!.eventType === 'string' ? { event: body!.eventType } : {}),
      ...(typeof dedup === 'string' ? { dedupKey: dedup } : {}),
    };
  }

  private call(c: MiniTossCredentials, method: 'GET' | 'POST', path: string, body: unknown, idempotencyKey: string | undefined, o: CallOptions): Promise<HttpResult> {
    const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${c.secretKey}:`).toString('base64')}` };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return sendJson({ method, url: `${this.baseUrl}${path}`, headers, body, timeoutMs: 1000, signal: o.signal });
  }

  private lookup(res: HttpResult): LookupOutcome {
    const j = res.kind === 'answer' ? (res.json as Obj | undefined) : undefined;
    if (res.kind === 'answer' && res.httpStatus === 404) return { status: 'NOT_FOUND', message: String(j?.message) };
    if (res.kind === 'answer' && res.httpStatus >= 400 && res.httpStatus < 500) return unknownOutcome('unreadable_response', `lookup refused: ${j?.code}`);
    return this.outcome(res);
  }

  private outcome(res: HttpResult): PaymentOutcome {
    if (res.kind === 'not_sent') return notSent('connection', res.code, res.message, true);
    if (res.kind === 'unknown') return unknownOutcome(res.reason, res.message);
    const j = res.json as Obj | undefined;
    if (res.httpStatus >= 500) return unknownOutcome('server_error', String(j?.message), { httpStatus: res.httpStatus });
    if (res.httpStatus === 401 || res.httpStatus === 409) return notSent('refused_by_pg', String(j?.code), String(j?.message), true);
    if (res.httpStatus >= 400) return { status: 'DECLINED', kind: classifyDecline(DECLINES, j?.code), code: String(j?.code), message: String(j?.message) };
    if (!j || typeof j.paymentKey !== 'string') return unknownOutcome('unreadable_response', 'no payment in the answer');
    let amount: Money;
    try {
      amount = fromMajorUnits(j.totalAmount, j.currency);
    } catch (err) {
      return unknownOutcome('unreadable_response', (err as Error).message, { gatewayPaymentId: j.paymentKey });
    }
    const base = { gatewayPaymentId: j.paymentKey as string, reference: j.orderId as string, rawStatus: j.status as string };
    switch (mapStatus(STATUS, j.status)) {
      case 'SUCCEEDED':
        return { status: 'SUCCEEDED', ...base, amount, refunded: doneRefunds(j.cancels ?? []) };
      case 'PENDING':
        return { status: 'PENDING', ...base, amount };
      case 'DECLINED':
        return { status: 'DECLINED', kind: classifyDecline(DECLINES, j.failure?.code), code: String(j.failure?.code ?? j.status), message: String(j.failure?.message ?? j.status), ...base };
      default:
        return unknownOutcome('unmapped_status', `unmapped Toss status ${j.status}`, base);
    }
  }
}

/** The refunded total: cancels Toss has finished (an IN_PROGRESS cancel has returned nothing yet). */
function doneRefunds(cancels: Obj[]): Money {
  const minor = cancels.filter((c) => c.cancelStatus === 'DONE').reduce((sum, c) => sum + fromMajorUnits(c.cancelAmount, 'USD').amount, 0);
  return { amount: minor, currency: 'USD' };
}

describeGatewayConformance('MiniTossAdapter (suite self-test)', DESCRIPTOR, async () => {
  const app = Fastify({ logger: false });
  await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/sandbox`;
  const acct = `mini-${randomBytes(4).toString('hex')}`;
  return {
    adapter: new MiniTossAdapter(`${base}/toss`),
    credentials: { clientKey: `test_ck_sbx_${acct}`, secretKey: `test_sk_sbx_${acct}` },
    currency: 'USD',
    refusedCurrency: 'KRW',
    // Toss orderId: 6-64 characters of [A-Za-z0-9_=-].
    newReference: () => `ord_${randomBytes(10).toString('hex')}`,
    declines: { hard: 'INVALID_STOPPED_CARD', soft: 'REJECT_CARD_COMPANY' },
    sandbox: tossSandboxControl(base, acct),
    buyer: tossSandboxBuyer(base),
    forgeWebhook: (target, status) => ({
      headers: { 'tosspayments-webhook-transmission-id': 'wh_1' },
      body: { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-01-01T00:00:00.000000', data: { paymentKey: target.gatewayPaymentId, orderId: target.reference, status } },
    }),
    forgedStatus: 'CANCELED',
    tamperCheckoutAmount: (query, amount) => ({ ...query, amount: String(toMajorNumber(amount)) }),
    close: () => app.close(),
  };
});

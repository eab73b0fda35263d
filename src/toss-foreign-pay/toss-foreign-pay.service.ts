import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type OneTimeAdapter, toMajorUnits, type Money, type PaymentOutcome, webhookUrl } from '@app/pg-contract';
import type { PgSandbox } from '@app/pg-sandbox';
import type { Counter } from 'prom-client';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { appConfig, type AppConfig } from '../config/configuration';
import { CustomersService } from '../customers/customers.service';
import { GatewayCredentialsService } from '../gateways/gateway-credentials.service';
import { PG_SANDBOX } from '../gateways/gateways.sandbox';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import { RiskService } from '../risk/risk.service';
import { stcPolicyFor } from '../risk/risk.policy';
import type { CancelTossOrderDto, CreateTossOrderDto, TossFailQueryDto, TossFailResultDto, TossOrderCreatedDto, TossOrderDto, TossPaymentRequestDto, TossRedirectResultDto, TossSuccessQueryDto } from './dto/toss-order.dto';
import { TOSS_FOREIGN_PAY_CODE, TOSS_FOREIGN_PAY_DESCRIPTOR, type TossCredentials, TossForeignPayAdapter, type TossPaymentInspection } from './toss-foreign-pay.adapter';
import { checkRedirect, confirmErrorRule, failCodeRule, TOSS_CURRENCY, TOSS_FAIL_CODES } from './toss-foreign-pay.mapper';
import { TossForeignPayRepository } from './toss-foreign-pay.repository';
import type { TossOrder, TossOrderStatus } from './toss-order.entity';
import { tossError } from './toss-foreign-pay.errors';
import { TossOrderCancels } from './toss-foreign-pay.cancels';
import { TossPaymentTruth } from './toss-foreign-pay.truth';
import { BUYER_MESSAGES, toCancelDto, toOrderDto } from './toss-foreign-pay.views';

export { toCancelDto, toOrderDto };

/** What the browser gets: a redirect to the merchant's return URL, or (without one) the JSON result. */
export interface BrowserAnswer<T> {
  readonly location: string | null;
  readonly result?: T;
}

const SETTLED: readonly TossOrderStatus[] = ['paid', 'partially_canceled', 'canceled', 'mismatch'];
/** A confirm claimed longer ago than this (well beyond the PG timeout) belongs to an instance that died. */
const STALE_CONFIRM_MS = 5 * 60_000;

/**
 * Toss foreign easy pay (PayPal, USD): orders stored before the checkout, the success redirect compared with them and
 * confirmed once (a conditional claim in the DB, a derived Idempotency-Key at Toss), cancels against a reserved
 * balance, and webhooks applied only as re-fetches. Talks to Toss only through the `toss-foreign-pay` adapter, never
 * with a DB transaction open.
 */
@Injectable()
export class TossForeignPayService {
  private readonly logger = new Logger(TossForeignPayService.name);
  private readonly redirectFailures: Counter<'code'>;
  private readonly confirmOutcomes: Counter<'outcome'>;
  private readonly truth: TossPaymentTruth;
  private readonly cancels: TossOrderCancels;

  constructor(
    private readonly repo: TossForeignPayRepository,
    // The registered instance, used only through the contract.
    @Inject(TossForeignPayAdapter) private readonly adapter: OneTimeAdapter<TossCredentials>,
    private readonly credentials: GatewayCredentialsService,
    private readonly risk: RiskService,
    private readonly customers: CustomersService,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
    metrics: MetricsService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Optional() @Inject(PG_SANDBOX) private readonly sandbox?: PgSandbox,
  ) {
    this.redirectFailures = metrics.counter('toss_redirect_failures_total', 'Toss fail redirects by code', ['code']);
    this.confirmOutcomes = metrics.counter('toss_confirm_outcomes_total', 'Toss confirm outcomes', ['outcome']);
    const shared = { repo, adapter, clock, logger: this.logger, requireOrder: (m: string, o: string) => this.requireOrder(m, o) };
    this.truth = new TossPaymentTruth(shared);
    this.cancels = new TossOrderCancels({
      ...shared,
      credentials,
      view: (m, o) => this.view(m, o),
      money: (order) => this.money(order),
      applyTruth: (order, inspection, creds) => this.truth.apply(order, inspection, creds),
    });
  }

  // ---- orders ----------------------------------------------------------------------------------------------------

  async createOrder(merchantId: string, dto: CreateTossOrderDto): Promise<TossOrderCreatedDto> {
    if (dto.currency !== TOSS_CURRENCY) {
      throw new DomainError('UNSUPPORTED_CURRENCY', 'Toss foreign easy pay (PayPal) takes USD only', [{ field: 'currency', errors: ['must be USD'] }]);
    }
    const merchant = await this.merchants.require(merchantId);
    const customer = dto.customerId ? await this.customers.require(merchantId, dto.customerId) : null;
    const country = (dto.country ?? customer?.countryCode)?.toUpperCase();
    if (!country) {
      throw new DomainError('VALIDATION_FAILED', "country is required (the buyer's country), or a customerId with one", [
        { field: 'country', errors: ['required without a customer'] },
      ]);
    }
    // PayPal STC: sent whenever a customer is known; a required-policy merchant cannot sell to an anonymous buyer.
    let stc: { decisionId: string; context: Record<string, string> } | null = null;
    if (customer) {
      const evaluation = await this.risk.evaluateStc({ merchantId, customerId: customer.id, purpose: 'charge', riskContext: dto.riskContext ?? null });
      stc = { decisionId: evaluation.decisionId, context: evaluation.tossTransactionContext };
    } else if (stcPolicyFor(merchant.industry, merchant.retailFulfillment) === 'required') {
      throw new DomainError('STC_DATA_REQUIRED', 'PayPal STC data is required for this merchant: pass the buyer as customerId', [
        { field: 'customerId', errors: ['required by the STC policy'] },
      ]);
    }

    const creds = await this.credentials.for<TossCredentials>(merchantId, TOSS_FOREIGN_PAY_CODE);
    const orderId = `tfo_${randomBytes(16).toString('base64url')}`;
    const amount: Money = { amount: dto.amount, currency: TOSS_CURRENCY };
    const base = this.app.publicBaseUrl;
    const checkout = await this.adapter.prepareCheckout(creds, {
      reference: orderId,
      amount,
      orderName: dto.orderName,
      successUrl: `${base}/v1/toss/success`,
      // Toss keeps the URL's own query: `ref` lets us record a cancellation, which arrives without an orderId.
      failUrl: `${base}/v1/toss/fail?ref=${orderId}`,
      buyer: { id: customer?.id ?? 'guest', country, ...(customer ? { email: customer.email } : {}) },
      ...(stc ? { riskContext: stc.context } : {}),
    });
    if ('status' in checkout) throw new DomainError('VALIDATION_FAILED', checkout.message, [{ field: 'order', errors: [checkout.code] }]);

    const now = this.clock.now();
    const order = await this.repo.insertOrder({
      id: orderId,
      merchantId,
      customerId: customer?.id ?? null,
      orderName: dto.orderName,
      amount: dto.amount,
      currency: TOSS_CURRENCY,
      country,
      status: 'created',
      paymentKey: null,
      refundedAmount: 0,
      reservedAmount: 0,
      tossStatus: null,
      method: null,
      easyPayProvider: null,
      receiptUrl: null,
      approvedAt: null,
      reportedAmount: null,
      reportedCurrency: null,
      failureCode: null,
      failureMessage: null,
      flagReason: null,
      stcDecisionId: stc?.decisionId ?? null,
      createdAt: now,
      updatedAt: now,
    });
    this.registerSandboxWebhook(merchantId, creds);
    return {
      orderId: order.id,
      status: order.status,
      amount: order.amount,
      currency: order.currency,
      clientKey: creds.clientKey,
      paymentRequest: checkout.client.request as unknown as TossPaymentRequestDto,
    };
  }

  /** The order; an `unknown` confirm or an unfinished cancel is first looked up at Toss. */
  async getOrder(merchantId: string, orderId: string): Promise<TossOrderDto> {
    let order = await this.requireOrder(merchantId, orderId);
    if (order.status === 'confirming' && this.clock.now().getTime() - new Date(order.updatedAt).getTime() > STALE_CONFIRM_MS) {
      // The instance that claimed it died mid-confirm: its outcome is unknown, so it is looked up.
      if (await this.repo.transition(order.id, ['confirming'], { status: 'unknown', updatedAt: this.clock.now() })) order = { ...order, status: 'unknown' };
    }
    if (order.status === 'unknown') order = await this.resolveConfirm(order, false);
    const cancels = await this.repo.listCancels(merchantId, orderId);
    if (order.paymentKey && cancels.some((c) => c.status === 'pending' || c.status === 'unknown' || c.status === 'requested')) {
      await this.cancels.resolve(order);
    }
    return this.view(merchantId, orderId);
  }

  // ---- success redirect ------------------------------------------------------------------------------------------

  /**
   * The buyer is back from PayPal. The query is compared with the stored order before anything is sent; the order
   * is claimed with a conditional UPDATE so that one confirm is sent however many redirects arrive, on however many
   * instances.
   */
  async success(query: TossSuccessQueryDto): Promise<TossRedirectResultDto> {
    if (!query.orderId) throw tossError('TOSS_REDIRECT_INVALID', 'The payment redirect does not name an order.');
    const found = await this.repo.findOrderForRedirect(query.orderId);
    if (!found) throw new NotFoundError('Order');
    let order: TossOrder = found;
    const pointer = { paymentKey: query.paymentKey, orderId: query.orderId, amount: query.amount };

    const check = checkRedirect(order.id, this.money(order), pointer);
    if (!check.ok) {
      if (check.refused.code === 'PAYMENT_KEY_MISSING' || check.refused.code === 'PAYMENT_KEY_INVALID') {
        throw tossError('TOSS_REDIRECT_INVALID', 'The payment redirect has no valid payment key. Nothing was charged.', [{ field: 'paymentKey', errors: [check.refused.code] }]);
      }
      // Never confirmed. The order is marked (and stays payable with an untampered redirect: nothing was charged).
      await this.repo.transition(order.id, ['created', 'failed'], {
        status: 'failed',
        failureCode: 'TOSS_AMOUNT_MISMATCH',
        failureMessage: 'the success redirect amount differed from the order',
        flagReason: 'redirect_amount_mismatch',
        updatedAt: this.clock.now(),
      });
      this.logger.warn({ orderId: order.id, merchantId: order.merchantId, redirectAmount: String(query.amount ?? '') }, 'Toss success redirect amount differs from the order: not confirmed');
      throw tossError('TOSS_AMOUNT_MISMATCH', 'The payment amount does not match the order. Nothing was charged; please start the payment again from the merchant’s page.', [
        { field: 'amount', errors: ['does not match the order'] },
      ]);
    }
    const paymentKey = check.paymentKey;

    if (SETTLED.includes(order.status)) {
      // The same redirect again (reload, back button): answer what happened, send nothing.
      if (order.paymentKey === paymentKey) return this.redirectResult(order);
      throw tossError('TOSS_ORDER_ALREADY_PAID', 'This order has already been paid.');
    }
    if (order.status === 'confirming') return this.redirectResult(order);
    if (order.status === 'unknown') {
      if (order.paymentKey !== paymentKey) return this.redirectResult(order);
      return this.redirectResult(await this.resolveConfirm(order, true));
    }

    const claimed = await this.repo.transition(order.id, ['created', 'failed'], {
      status: 'confirming',
      paymentKey,
      failureCode: null,
      failureMessage: null,
      updatedAt: this.clock.now(),
    });
    if (!claimed) return this.redirectResult(await this.reload(order));
    order = { ...order, status: 'confirming', paymentKey };

    const creds = await this.credentials.for<TossCredentials>(order.merchantId, TOSS_FOREIGN_PAY_CODE);
    const outcome = await this.adapter.confirm(creds, { reference: order.id, expected: this.money(order), pointer: { paymentKey, orderId: order.id, amount: String(query.amount) } });
    return this.redirectResult(await this.applyConfirmOutcome(order, outcome, creds));
  }

  private async applyConfirmOutcome(order: TossOrder, outcome: PaymentOutcome, creds: TossCredentials): Promise<TossOrder> {
    this.confirmOutcomes.inc({ outcome: outcome.status });
    switch (outcome.status) {
      case 'SUCCEEDED':
      case 'MISMATCH':
        await this.applyTruth(order, { outcome, cancels: [] }, creds);
        return this.reload(order);
      case 'DECLINED': {
        await this.repo.transition(order.id, ['confirming', 'unknown'], {
          status: 'failed',
          failureCode: outcome.code,
          failureMessage: outcome.message.slice(0, 500),
          tossStatus: outcome.rawStatus ?? null,
          updatedAt: this.clock.now(),
        });
        const rule = confirmErrorRule(outcome.code);
        if (rule.operatorAlert) this.logger.error({ orderId: order.id, merchantId: order.merchantId, tossCode: outcome.code }, 'Toss confirm refused: check the merchant’s Toss configuration');
        throw tossError(rule.code ?? 'TOSS_PAYMENT_DECLINED', rule.message, [{ field: 'payment', errors: [outcome.code] }]);
      }
      case 'NOT_SENT': {
        // Nothing happened at Toss: the order can be claimed again (the same Idempotency-Key keeps a re-send safe).
        // The claimed paymentKey goes too: it may be another order's, and webhooks find orders by it.
        await this.repo.transition(order.id, ['confirming'], { status: 'created', paymentKey: null, updatedAt: this.clock.now() });
        if (outcome.code === 'PAYMENT_KEY_MISMATCH') {
          this.logger.warn({ orderId: order.id, merchantId: order.merchantId }, 'Toss success redirect carried another order’s paymentKey: not confirmed');
          throw tossError('TOSS_REDIRECT_INVALID', 'The payment redirect does not belong to this order. Nothing was charged; please start the payment again.', [
            { field: 'paymentKey', errors: [outcome.code] },
          ]);
        }
        const rule = confirmErrorRule(outcome.code, outcome.reason === 'refused_by_pg' && !outcome.retryable ? 401 : undefined);
        if (outcome.reason === 'connection') throw tossError('TOSS_GATEWAY_UNAVAILABLE', 'The payment provider could not be reached. Nothing was charged; please try again.');
        if (rule.operatorAlert || outcome.reason === 'invalid_request') {
          this.logger.error({ orderId: order.id, merchantId: order.merchantId, tossCode: outcome.code }, 'Toss refused the confirm: our configuration or request');
        }
        throw tossError(rule.code ?? 'TOSS_GATEWAY_REQUEST_INVALID', rule.message, [{ field: 'payment', errors: [outcome.code] }]);
      }
      default:
        // UNKNOWN (timeout, 5xx, unreadable) or an unexpected PENDING: never failed; looked up right away.
        await this.repo.transition(order.id, ['confirming'], { status: 'unknown', updatedAt: this.clock.now() });
        this.logger.warn({ orderId: order.id, merchantId: order.merchantId, outcome: outcome.status }, 'Toss confirm outcome unknown: looking it up');
        return this.resolveConfirm({ ...order, status: 'unknown' }, true);
    }
  }

  /**
   * An `unknown` confirm: the payment is looked up by orderId. If Toss shows the checkout still waiting for its
   * confirm (the request never took effect) and `resend` is set, the same confirm is sent again under the same
   * Idempotency-Key; a failed lookup leaves the order `unknown`.
   */
  private async resolveConfirm(order: TossOrder, resend: boolean): Promise<TossOrder> {
    const creds = await this.credentials.for<TossCredentials>(order.merchantId, TOSS_FOREIGN_PAY_CODE);
    const inspection = await this.adapter.inspect(creds, { reference: order.id }, this.money(order), order.id);
    const o = inspection.outcome;
    if (o.status === 'PENDING' && resend && order.paymentKey && o.gatewayPaymentId === order.paymentKey) {
      if (!(await this.repo.transition(order.id, ['unknown'], { status: 'confirming', updatedAt: this.clock.now() }))) return this.reload(order);
      const again = await this.adapter.confirm(creds, {
        reference: order.id,
        expected: this.money(order),
        pointer: { paymentKey: order.paymentKey, orderId: order.id, amount: toMajorUnits(this.money(order)) },
      });
      if (again.status === 'UNKNOWN' || again.status === 'PENDING') {
        await this.repo.transition(order.id, ['confirming'], { status: 'unknown', updatedAt: this.clock.now() });
        return this.reload(order);
      }
      return this.applyConfirmOutcome({ ...order, status: 'confirming' }, again, creds);
    }
    await this.applyTruth(order, inspection, creds);
    return this.reload(order);
  }

  // ---- fail redirect ---------------------------------------------------------------------------------------------

  async fail(query: TossFailQueryDto): Promise<TossFailResultDto> {
    const code = query.code && /^[A-Z0-9_]{1,64}$/.test(query.code) ? query.code : 'UNKNOWN';
    const rule = failCodeRule(code);
    this.redirectFailures.inc({ code: Object.prototype.hasOwnProperty.call(TOSS_FAIL_CODES, code) ? code : 'other' });
    // Toss's orderId when it sends one; our own `ref` otherwise (PAY_PROCESS_CANCELED carries no orderId).
    const id = query.orderId ?? query.ref;
    const conflicting = query.orderId !== undefined && query.ref !== undefined && query.orderId !== query.ref;
    const order = id && !conflicting ? await this.repo.findOrderForRedirect(id) : null;
    if (order) {
      // Nothing was charged: the failure is recorded, and the order stays payable through a new checkout window.
      await this.repo.transition(order.id, ['created', 'failed'], {
        ...(rule.failsOrder ? { status: 'failed' as const } : {}),
        failureCode: code,
        failureMessage: (query.message ?? '').slice(0, 500) || null,
        updatedAt: this.clock.now(),
      });
    }
    this.logger.log({ orderId: order?.id ?? null, merchantId: order?.merchantId ?? null, code }, 'Toss fail redirect');
    const current = order ? await this.reload(order) : null;
    return { orderId: current?.id ?? null, status: current?.status ?? null, code, message: rule.message };
  }

  // ---- the buyer's browser -----------------------------------------------------------------------------------------

  /**
   * The success redirect as the browser gets it: with a merchant `returnUrl`, a redirect there carrying the same
   * fields (errors included, as `code` and `message`); without one, the JSON answer (errors through the filter).
   */
  async successForBrowser(query: TossSuccessQueryDto): Promise<BrowserAnswer<TossRedirectResultDto>> {
    try {
      const result = await this.success(query);
      return { result, location: await this.returnLocation(result.orderId, { ...result, amount: String(result.amount) }) };
    } catch (err) {
      const order = err instanceof DomainError && query.orderId ? await this.repo.findOrderForRedirect(query.orderId) : null;
      const location = order ? await this.returnLocation(order.id, { orderId: order.id, status: order.status, code: (err as DomainError).code, message: (err as DomainError).message }) : null;
      if (!location) throw err;
      return { location };
    }
  }

  /** The fail redirect as the browser gets it (see {@link successForBrowser}). */
  async failForBrowser(query: TossFailQueryDto): Promise<BrowserAnswer<TossFailResultDto>> {
    const result = await this.fail(query);
    const location = result.orderId ? await this.returnLocation(result.orderId, { orderId: result.orderId, status: result.status ?? '', code: result.code, message: result.message }) : null;
    return { result, location };
  }

  /** The merchant's return URL with `fields` added to its query, or null when the merchant configured none. */
  private async returnLocation(orderId: string, fields: Record<string, string>): Promise<string | null> {
    const order = await this.repo.findOrderForRedirect(orderId);
    if (!order) return null;
    const merchant = await this.merchants.require(order.merchantId);
    if (!merchant.returnUrl) return null;
    const url = new URL(merchant.returnUrl);
    for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    return url.href;
  }

  // ---- cancels and the state machine (their own files) ------------------------------------------------------------

  /**
   * Cancels all (no amount) or part. The amount is reserved with a conditional UPDATE before Toss is called, so
   * concurrent cancels can never refund more than the balance; each attempt has its own stored Idempotency-Key.
   */
  cancel(merchantId: string, orderId: string, dto: CancelTossOrderDto): Promise<TossOrderDto> {
    return this.cancels.cancel(merchantId, orderId, dto);
  }

  /** Applies Toss's view of the payment (a confirm, a look-up, a webhook re-fetch): see TossPaymentTruth. */
  applyTruth(order: TossOrder, inspection: TossPaymentInspection, creds: TossCredentials): Promise<void> {
    return this.truth.apply(order, inspection, creds);
  }

  // ---- sandbox ---------------------------------------------------------------------------------------------------

  /**
   * In sandbox mode the sandbox only posts webhooks to a URL registered for the account, as Toss's console does per
   * MID: ours is registered when a sandbox merchant creates an order.
   */
  private registerSandboxWebhook(merchantId: string, creds: TossCredentials): void {
    if (!creds.sandbox || !this.sandbox) return;
    const account = /^test_sk_sbx_([A-Za-z0-9-]{1,40})$/.exec(creds.secretKey)?.[1];
    if (!account) return;
    const url = webhookUrl(this.app.publicBaseUrl, TOSS_FOREIGN_PAY_DESCRIPTOR, merchantId);
    if (this.sandbox.toss.webhookUrl(account) !== url) this.sandbox.toss.setWebhookUrl(account, url);
  }

  // ---- helpers ---------------------------------------------------------------------------------------------------

  private money(order: TossOrder): Money {
    return { amount: order.amount, currency: order.currency };
  }

  private async requireOrder(merchantId: string, orderId: string): Promise<TossOrder> {
    const order = await this.repo.findOrder(merchantId, orderId);
    if (!order) throw new NotFoundError('Order');
    return order;
  }

  private async reload(order: TossOrder): Promise<TossOrder> {
    return (await this.repo.findOrder(order.merchantId, order.id)) ?? order;
  }

  private redirectResult(order: TossOrder): TossRedirectResultDto {
    return { orderId: order.id, status: order.status, amount: order.amount, currency: order.currency, message: BUYER_MESSAGES[order.status] };
  }

  private async view(merchantId: string, orderId: string): Promise<TossOrderDto> {
    const order = await this.requireOrder(merchantId, orderId);
    const cancels = await this.repo.listCancels(merchantId, orderId);
    return toOrderDto(order, cancels);
  }
}


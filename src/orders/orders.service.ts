import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  GatewayRegistry,
  type Money,
  type OneTimeAdapter,
  PG_SANDBOX_PLUGINS,
  type PaymentInspection,
  type SandboxPluginRegistration,
  webhookUrl,
} from '@app/pg-contract';
import type { Counter } from 'prom-client';
import { hashClientSecret, mintClientSecret } from '../common/crypto/client-secret';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { appConfig, type AppConfig } from '../config/configuration';
import { CustomersService } from '../customers/customers.service';
import { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { PG_SANDBOX } from '../gateway-credentials/gateway-sandbox';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import { RiskService } from '../risk/risk.service';
import { stcPolicyFor } from '../risk/risk.policy';
import type { Order } from './order.entity';
import { OrderCancels } from './orders.cancels';
import { OrderConfirms } from './orders.confirms';
import { oneTimeAdapter } from './orders.errors';
import { OrdersRepository } from './orders.repository';
import { PaymentTruth } from './orders.truth';
import type { BrowserAnswer, CreatedOrder, FailResult, OrderWithCancels, RedirectResult } from './orders.views';
import { pageParams, toPage, type Page } from '../common/pagination';

/** A new order, as the merchant asks for it (amounts in minor units). */
export interface CreateOrderInput {
  readonly orderName: string;
  readonly amount: number;
  readonly currency: string;
  readonly customerId?: string;
  readonly country?: string;
  readonly riskContext?: Record<string, unknown>;
}

/** Where the gateway sends the buyer back, by order id: our routes (absolute URLs). */
export type ReturnRoutes = (orderId: string) => { readonly successUrl: string; readonly failUrl: string };

/** A confirm claimed longer ago than this (well beyond the PG timeout) belongs to an instance that died. */
const STALE_CONFIRM_MS = 5 * 60_000;

/**
 * One-time payments at any gateway whose descriptor has `oneTimePayments`: orders stored before the checkout, the
 * success redirect compared with them and confirmed once (a conditional claim in the DB, an idempotency key at the
 * PG), cancels against a reserved balance (OrderCancels), the PG's truth applied by one state machine (PaymentTruth),
 * webhooks applied only as re-fetches (OrdersWebhooks). Talks to PGs only through the contract (`OneTimeAdapter`),
 * never with a DB transaction open.
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);
  private readonly redirectFailures: Counter<'gateway' | 'code'>;
  private readonly truth: PaymentTruth;
  private readonly cancels: OrderCancels;
  private readonly confirms: OrderConfirms;

  constructor(
    private readonly repo: OrdersRepository,
    private readonly registry: GatewayRegistry,
    private readonly credentials: GatewayCredentialsService,
    private readonly risk: RiskService,
    private readonly customers: CustomersService,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
    metrics: MetricsService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Optional() @Inject(PG_SANDBOX) private readonly sandbox?: unknown,
    @Optional() @Inject(PG_SANDBOX_PLUGINS) private readonly plugins?: ReadonlyMap<string, SandboxPluginRegistration>,
  ) {
    this.redirectFailures = metrics.counter(
      'order_redirect_failures_total',
      'One-time payment fail redirects by gateway and code',
      ['gateway', 'code'],
    );
    const confirmOutcomes = metrics.counter(
      'order_confirm_outcomes_total',
      'One-time payment confirm outcomes by gateway',
      ['gateway', 'outcome'],
    );
    const shared = {
      repo,
      clock,
      credentials,
      logger: this.logger,
      adapterOf: (gateway: string) => this.adapterOf(gateway),
      requireOrder: (m: string, o: string) => this.requireOrder(m, o),
      reload: (o: Order) => this.reload(o),
      money: (order: Order) => this.money(order),
    };
    this.truth = new PaymentTruth(shared);
    const applyTruth = (order: Order, inspection: PaymentInspection, creds: unknown) =>
      this.truth.apply(order, inspection, creds);
    this.cancels = new OrderCancels({ ...shared, applyTruth });
    this.confirms = new OrderConfirms({ ...shared, applyTruth, confirmOutcomes });
  }

  /** The adapter of a one-time gateway (400 UNSUPPORTED_GATEWAY otherwise). */
  adapterOf<C = unknown>(gateway: string): OneTimeAdapter<C> {
    return oneTimeAdapter<C>(this.registry, gateway);
  }

  // ---- orders ----------------------------------------------------------------------------------------------------

  /** Stores the order (server-side amount) and prepares the gateway's checkout; nothing is sent to the PG. */
  async createOrder(
    merchantId: string,
    gateway: string,
    dto: CreateOrderInput,
    routes: ReturnRoutes,
  ): Promise<CreatedOrder> {
    const adapter = this.adapterOf(gateway);
    const d = adapter.descriptor;
    if (!d.capabilities.currencies.includes(dto.currency)) {
      const list = d.capabilities.currencies.join(', ');
      throw new DomainError('UNSUPPORTED_CURRENCY', `${d.displayName} takes ${list} only`, [
        { field: 'currency', errors: [`must be one of ${list}`] },
      ]);
    }
    const merchant = await this.merchants.require(merchantId);
    const customer = dto.customerId ? await this.customers.require(merchantId, dto.customerId) : null;
    const country = (dto.country ?? customer?.countryCode)?.toUpperCase();
    if (!country) {
      throw new DomainError(
        'VALIDATION_FAILED',
        "country is required (the buyer's country), or a customerId with one",
        [{ field: 'country', errors: ['required without a customer'] }],
      );
    }
    // PayPal STC, where the gateway's buyers pay with PayPal: sent whenever a customer is known; a required-policy
    // merchant cannot sell to an anonymous buyer.
    let stc: { decisionId: string; context: Record<string, string> } | null = null;
    if (d.paymentMethod === 'paypal') {
      if (customer) {
        const evaluation = await this.risk.evaluateStc({
          merchantId,
          customerId: customer.id,
          purpose: 'charge',
          riskContext: dto.riskContext ?? null,
        });
        stc = {
          decisionId: evaluation.decisionId,
          context: Object.fromEntries(evaluation.additionalData.map((kv) => [kv.key, kv.value])),
        };
      } else if (stcPolicyFor(merchant.industry, merchant.retailFulfillment) === 'required') {
        throw new DomainError(
          'STC_DATA_REQUIRED',
          'PayPal STC data is required for this merchant: pass the buyer as customerId',
          [{ field: 'customerId', errors: ['required by the STC policy'] }],
        );
      }
    }

    const creds = await this.credentials.for(merchantId, gateway);
    // A PG reference: 6-64 characters of [A-Za-z0-9_-] (Toss orderId's rule, the strictest we take).
    const orderId = `tfo_${randomBytes(16).toString('base64url')}`;
    const amount: Money = { amount: dto.amount, currency: dto.currency };
    const checkout = await adapter.prepareCheckout(creds, {
      reference: orderId,
      amount,
      orderName: dto.orderName,
      ...routes(orderId),
      buyer: { id: customer?.id ?? 'guest', country, ...(customer ? { email: customer.email } : {}) },
      ...(stc ? { riskContext: stc.context } : {}),
    });
    if ('status' in checkout)
      throw new DomainError('VALIDATION_FAILED', checkout.message, [{ field: 'order', errors: [checkout.code] }]);

    const now = this.clock.now();
    const clientSecret = mintClientSecret(orderId);
    const order = await this.repo.insertOrder({
      id: orderId,
      gateway,
      merchantId,
      customerId: customer?.id ?? null,
      orderName: dto.orderName,
      amount: dto.amount,
      currency: dto.currency,
      country,
      status: 'created',
      gatewayPaymentId: null,
      refundedAmount: 0,
      reservedAmount: 0,
      gatewayStatus: null,
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
      clientSecretHash: hashClientSecret(clientSecret),
      createdAt: now,
      updatedAt: now,
    });
    this.registerSandboxWebhook(merchantId, gateway, creds);
    return { order, checkout: checkout.client, clientSecret };
  }

  /** The order (of `gateway` when given); an `unknown` confirm or an unfinished cancel is first looked up at the PG. */
  async getOrder(merchantId: string, orderId: string, gateway?: string): Promise<OrderWithCancels> {
    let order = await this.requireOrder(merchantId, orderId, gateway);
    if (
      order.status === 'confirming' &&
      this.clock.now().getTime() - new Date(order.updatedAt).getTime() > STALE_CONFIRM_MS
    ) {
      // The instance that claimed it died mid-confirm: its outcome is unknown, so it is looked up.
      if (await this.repo.transition(order.id, ['confirming'], { status: 'unknown', updatedAt: this.clock.now() }))
        order = { ...order, status: 'unknown' };
    }
    if (order.status === 'unknown') order = await this.confirms.resolve(order, false);
    const cancels = await this.repo.listCancels(merchantId, orderId);
    if (
      order.gatewayPaymentId &&
      cancels.some((c) => c.status === 'pending' || c.status === 'unknown' || c.status === 'requested')
    ) {
      await this.cancels.resolve(order);
    }
    return this.view(merchantId, orderId);
  }

  /**
   * Orders newest first, as stored: a list never calls the PG (`GET` one order for a look-up of an unsettled one).
   * `gateway` is the v1 Toss alias's scope.
   */
  async list(
    merchantId: string,
    query: { status?: string; gateway?: string; limit?: number; cursor?: string },
  ): Promise<Page<OrderWithCancels>> {
    const page = pageParams(query);
    const rows = await this.repo.list(merchantId, { ...page, gateway: query.gateway, status: query.status });
    const cancels = await this.repo.listCancelsOf(
      merchantId,
      rows.slice(0, page.limit).map((o) => o.id),
    );
    return toPage(rows, page.limit, (order) => ({ order, cancels: cancels.filter((c) => c.orderId === order.id) }));
  }

  /**
   * Cancels all (no amount) or part. The amount is reserved with a conditional UPDATE before the PG is called, so
   * concurrent cancels can never refund more than the balance; each attempt has its own stored idempotency key.
   */
  async cancel(
    merchantId: string,
    orderId: string,
    dto: { reason: string; amount?: number },
    gateway?: string,
  ): Promise<OrderWithCancels> {
    await this.requireOrder(merchantId, orderId, gateway);
    await this.cancels.cancel(merchantId, orderId, dto);
    return this.view(merchantId, orderId);
  }

  /** Applies the PG's view of the payment (a confirm, a look-up, a webhook re-fetch): see PaymentTruth. */
  applyTruth(order: Order, inspection: PaymentInspection, creds: unknown): Promise<void> {
    return this.truth.apply(order, inspection, creds);
  }

  // ---- the buyer's browser -----------------------------------------------------------------------------------------

  /**
   * The success redirect for order `reference` (of `gateway` when the route is a gateway's own), its query a pointer
   * only. With a merchant `returnUrl`, a redirect there carrying the same fields (errors included, as `code` and
   * `message`); without one, the JSON answer (errors through the filter).
   */
  async successForBrowser(
    reference: string | undefined,
    pointer: Record<string, string>,
    gateway?: string,
  ): Promise<BrowserAnswer<RedirectResult>> {
    try {
      const result = await this.confirms.success(reference, pointer, gateway);
      return {
        result,
        location: await this.returnLocation(result.orderId, { ...result, amount: String(result.amount) }),
      };
    } catch (err) {
      const order = err instanceof DomainError && reference ? await this.repo.findOrderForRedirect(reference) : null;
      const location = order
        ? await this.returnLocation(order.id, {
            orderId: order.id,
            status: order.status,
            code: (err as DomainError).code,
            message: (err as DomainError).message,
          })
        : null;
      if (!location) throw err;
      return { location };
    }
  }

  /**
   * The fail redirect: nothing was charged. The failure is recorded on the order (when `reference` names one of
   * `gateway`'s) and the buyer gets the PG's message for the code.
   */
  async failForBrowser(
    reference: string | undefined,
    rawCode: string | undefined,
    rawMessage: string | undefined,
    gateway?: string,
  ): Promise<BrowserAnswer<FailResult>> {
    const code = rawCode && /^[A-Z0-9_]{1,64}$/.test(rawCode) ? rawCode : 'UNKNOWN';
    const found = reference ? await this.repo.findOrderForRedirect(reference) : null;
    const order = found && (!gateway || found.gateway === gateway) ? found : null;
    const adviceGateway = order?.gateway ?? gateway;
    const advice = adviceGateway
      ? this.adapterOf(adviceGateway).describeRefusal('fail_redirect', code)
      : {
          message: 'The payment could not be completed. Nothing was charged; please try again.',
          failsOrder: true,
          listed: false,
        };
    this.redirectFailures.inc({ gateway: adviceGateway ?? 'unknown', code: advice.listed ? code : 'other' });
    if (order) {
      // The order stays payable through a new checkout window.
      await this.repo.transition(order.id, ['created', 'failed'], {
        ...(advice.failsOrder ? { status: 'failed' as const } : {}),
        failureCode: code,
        failureMessage: (rawMessage ?? '').slice(0, 500) || null,
        updatedAt: this.clock.now(),
      });
    }
    this.logger.log(
      { orderId: order?.id ?? null, merchantId: order?.merchantId ?? null, gateway: adviceGateway ?? null, code },
      'fail redirect',
    );
    const current = order ? await this.reload(order) : null;
    const result: FailResult = {
      orderId: current?.id ?? null,
      status: current?.status ?? null,
      code,
      message: advice.message,
    };
    const location = result.orderId
      ? await this.returnLocation(result.orderId, {
          orderId: result.orderId,
          status: result.status ?? '',
          code: result.code,
          message: result.message,
        })
      : null;
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

  // ---- sandbox ---------------------------------------------------------------------------------------------------

  /**
   * In sandbox mode a simulated PG may post webhooks only to a URL registered for the account (as a PG console does
   * per MID): the gateway's sandbox plugin registers ours when a sandbox merchant creates an order.
   */
  private registerSandboxWebhook(merchantId: string, gateway: string, creds: unknown): void {
    const plugin = this.plugins?.get(gateway);
    if (!this.sandbox || !plugin?.registerWebhookUrl) return;
    plugin.registerWebhookUrl(
      this.sandbox,
      creds,
      webhookUrl(this.app.publicBaseUrl, this.adapterOf(gateway).descriptor, merchantId),
    );
  }

  // ---- helpers ---------------------------------------------------------------------------------------------------

  private money(order: Order): Money {
    return { amount: order.amount, currency: order.currency };
  }

  private async requireOrder(merchantId: string, orderId: string, gateway?: string): Promise<Order> {
    const order = await this.repo.findOrder(merchantId, orderId);
    if (!order || (gateway && order.gateway !== gateway)) throw new NotFoundError('Order');
    return order;
  }

  private async reload(order: Order): Promise<Order> {
    return (await this.repo.findOrder(order.merchantId, order.id)) ?? order;
  }

  private async view(merchantId: string, orderId: string): Promise<OrderWithCancels> {
    const order = await this.requireOrder(merchantId, orderId);
    const cancels = await this.repo.listCancels(merchantId, orderId);
    return { order, cancels };
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { pageParams, toPage, type Page } from '../common/pagination';
import { appConfig, type AppConfig, pgConfig, type PgConfig } from '../config/configuration';
import type { Customer } from '../customers/customer.entity';
import { CustomersService } from '../customers/customers.service';
import type { Merchant } from '../merchants/merchant.entity';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import type { FraudnetPageType } from './dto/fraudnet.dto';
import type { RiskDecision } from './risk-decision.entity';
import type { StcPolicy } from '../merchants/merchant.stc-policy';
import { RiskRepository } from './risk.repository';
import {
  buildStc,
  checkRiskContext,
  retainValidContext,
  type StcKeyValue,
  toAgainBypass,
  toLoadUIBypass,
  toTossTransactionContext,
} from './stc.builder';
import type { StcPurpose } from './stc-industry-keys';

/** The `fncls` attribute of Fraudnet's config tag: fixed (seed 004). */
export const FRAUDNET_FNCLS = 'fnparams-dede7cc5-15fd-4c75-a9f4-36c430ee3a99';
/** How long a reserved Fraudnet `f` stays usable for the charge its page triggers. */
export const FRAUDNET_RESERVATION_TTL_MS = 30 * 60_000;
const DEFAULT_PAGE_TYPE: FraudnetPageType = 'checkout-page';

export interface EvaluateStcInput {
  merchantId: string;
  customerId: string;
  purpose: StcPurpose;
  /** Per-industry extra keys from the caller (e.g. a charge's `riskContext`). */
  riskContext?: Record<string, unknown> | null;
  /**
   * The extra keys stored on the charge's subscription (checked at its creation). Keys the merchant's industry no
   * longer takes are left out and logged, never a refusal; the caller's `riskContext` wins on a key both name.
   */
  subscriptionContext?: Readonly<Record<string, string>> | null;
}

/** What billing-key issuance, charges and Toss orders put in their PG requests. */
export interface StcEvaluation {
  decisionId: string;
  policy: StcPolicy;
  additionalData: StcKeyValue[];
  /** `IMP.loadUI` request `bypass`. */
  loadUIBypass: { paypal_v2: { additional_data: StcKeyValue[] } };
  /** PortOne `again` `bypass` (a JSON string). */
  againBypass: string;
  /** Toss `paymentMethodOptions.paypal.setTransactionContext`. */
  tossTransactionContext: Record<string, string>;
  /** Keys not sent although the policy recommends them (non-empty only for `sent_partial`). */
  missing: string[];
  outcome: 'sent' | 'sent_partial';
}

/** What STC evaluations read: merchants (or why one is unusable) and, per usable merchant, customers by id. */
export interface StcContext {
  readonly merchants: ReadonlyMap<string, Merchant | DomainError>;
  readonly customers: ReadonlyMap<string, ReadonlyMap<string, Customer>>;
}

export interface FraudnetParams {
  fncls: string;
  f: string;
  s: string;
  sandbox: boolean;
  expiresAt: string;
}

export interface RiskDecisionView {
  id: string;
  customerId: string | null;
  purpose: string;
  policy: string;
  industry: string;
  keysSent: string[];
  keysMissing: string[];
  keysInvalid: string[];
  outcome: string;
  errorCode: string | null;
  createdAt: string;
}

@Injectable()
export class RiskService {
  private readonly logger = new Logger(RiskService.name);
  private readonly gaps: Counter<'field'>;
  private readonly evaluations: Counter<'purpose' | 'outcome'>;
  /** PayPal's sandbox unless we run live: production with the real PGs (production refuses the PG sandbox). */
  private readonly fraudnetSandbox: boolean;

  constructor(
    private readonly repo: RiskRepository,
    private readonly merchants: MerchantsService,
    private readonly customers: CustomersService,
    private readonly clock: Clock,
    metrics: MetricsService,
    @Inject(pgConfig.KEY) pg: PgConfig,
    @Inject(appConfig.KEY) app: AppConfig,
  ) {
    this.gaps = metrics.counter(
      'stc_recommended_gaps_total',
      'STC keys a recommended-policy merchant could not send, by key',
      ['field'],
    );
    this.evaluations = metrics.counter('stc_evaluations_total', 'STC evaluations by purpose and outcome', [
      'purpose',
      'outcome',
    ]);
    this.fraudnetSandbox = pg.sandbox || !app.production;
  }

  /**
   * Builds the STC data for a PG request and records the decision. Where the policy is `required` and data is missing
   * or invalid, throws STC_DATA_REQUIRED (422, details naming the fields) before anything reaches a PG; a bad caller
   * risk context is STC_CONTEXT_INVALID whatever the policy. Where `recommended`, sends what exists, logs the gap (key
   * names only) and counts it.
   */
  async evaluateStc(input: EvaluateStcInput): Promise<StcEvaluation> {
    const [result] = await this.evaluateStcMany([input]);
    if (result instanceof DomainError) throw result;
    return result;
  }

  /**
   * The merchants and customers that {@link evaluateStcMany} reads for these inputs: per merchant, the merchant and its
   * customers in two queries side by side. A billing batch loads this beside its billing keys, then evaluates only the
   * charges whose key is usable (so no decision is recorded for a charge refused for its key). A merchant that does
   * not exist is that merchant's NOT_FOUND; a failed read rejects (a database error is not an absent merchant).
   */
  async loadStcContext(
    inputs: ReadonlyArray<Pick<EvaluateStcInput, 'merchantId' | 'customerId'>>,
  ): Promise<StcContext> {
    const merchants = new Map<string, Merchant | DomainError>();
    const customers = new Map<string, Map<string, Customer>>();
    await Promise.all(
      [...new Set(inputs.map((i) => i.merchantId))].map(async (merchantId) => {
        const [merchant, found] = await Promise.all([
          this.merchants.require(merchantId).catch((err: unknown) => {
            if (err instanceof DomainError) return err;
            throw err;
          }),
          this.customers.findMany(
            merchantId,
            inputs.filter((i) => i.merchantId === merchantId).map((i) => i.customerId),
          ),
        ]);
        merchants.set(merchantId, merchant);
        if (!(merchant instanceof DomainError)) customers.set(merchantId, found);
      }),
    );
    return { merchants, customers };
  }

  /**
   * {@link evaluateStc} for a billing batch: merchants and customers are read once per batch (or come loaded, see
   * loadStcContext) and the decisions are recorded in multi-row inserts, instead of three queries per charge. Each input
   * gets its evaluation or the DomainError evaluateStc would have thrown (a missing customer is NOT_FOUND); nothing is
   * thrown for one input.
   */
  async evaluateStcMany(
    inputs: readonly EvaluateStcInput[],
    loaded?: StcContext,
  ): Promise<Array<StcEvaluation | DomainError>> {
    const { merchants, customers } = loaded ?? (await this.loadStcContext(inputs));
    const now = this.clock.now();
    const built = inputs.map((input) => {
      const merchant = merchants.get(input.merchantId);
      if (!merchant) throw new Error('evaluateStcMany: the loaded context does not cover this merchant');
      if (merchant instanceof DomainError) return merchant;
      const customer = customers.get(input.merchantId)?.get(input.customerId);
      if (!customer) return new NotFoundError('Customer');
      const result = buildStc({
        merchant,
        customer,
        purpose: input.purpose,
        riskContext: this.mergedContext(input, merchant),
        now,
      });
      const errorCode = result.contextErrors.length
        ? 'STC_CONTEXT_INVALID'
        : result.outcome === 'refused'
          ? 'STC_DATA_REQUIRED'
          : null;
      const decision: RiskDecision = {
        id: newId('rsk'),
        merchantId: merchant.id,
        customerId: customer.id,
        purpose: input.purpose,
        policy: result.policy,
        industry: merchant.industry,
        keysSent: result.outcome === 'refused' ? [] : result.additionalData.map((kv) => kv.key),
        keysMissing: result.missing.map((m) => m.field),
        keysInvalid: result.contextErrors.map((e) => e.field),
        outcome: result.outcome,
        errorCode,
        createdAt: now,
      };
      return { input, merchant, customer, result, errorCode, decision };
    });
    const decisions = built.flatMap((b) => (b instanceof DomainError ? [] : [b.decision]));
    if (decisions.length > 0) await this.repo.insertDecisions(decisions);
    return built.map((b) => (b instanceof DomainError ? b : this.conclude(b)));
  }

  /**
   * The risk context of a new subscription, checked against the merchant's industry as a charge would check it, so a
   * subscription that could never be charged is refused at creation, never at the charge: keys the industry does not
   * take, non-string or bad values are 400 VALIDATION_FAILED (details per key); keys a charge needs that are missing
   * (the extras of `riskContext`, or the base keys from the merchant and customer records) are 422 STC_DATA_REQUIRED
   * naming them. Returns the normalised context to store. Records no decision: nothing is sent to a PG here.
   */
  async checkSubscriptionContext(
    merchantId: string,
    customer: Customer,
    riskContext: Record<string, unknown> | null | undefined,
  ): Promise<Record<string, string>> {
    const merchant = await this.merchants.require(merchantId);
    const result = buildStc({ merchant, customer, purpose: 'charge', riskContext, now: this.clock.now() });
    if (result.contextErrors.length > 0) {
      const details = result.contextErrors.map((e) => ({ field: e.source, errors: e.errors }));
      throw new DomainError('VALIDATION_FAILED', `${details[0].field}: ${details[0].errors[0]}`, details);
    }
    if (result.outcome === 'refused') {
      const missing = result.missing.map((m) => m.field);
      throw new DomainError(
        'STC_DATA_REQUIRED',
        `PayPal STC data every charge of this merchant needs is missing or invalid: ${missing.join(', ')}`,
        result.missing,
      );
    }
    return checkRiskContext(merchant, riskContext).context;
  }

  /** The subscription's stored keys still valid for the industry, under the caller's own. */
  private mergedContext(input: EvaluateStcInput, merchant: Merchant): Record<string, unknown> | null | undefined {
    if (!input.subscriptionContext) return input.riskContext;
    const { context, dropped } = retainValidContext(merchant, input.subscriptionContext);
    if (dropped.length > 0) {
      this.logger.warn(
        { merchantId: merchant.id, customerId: input.customerId, industry: merchant.industry, keys: dropped },
        'stored STC keys not valid for the industry left out',
      );
    }
    return { ...context, ...(input.riskContext ?? {}) };
  }

  /** Counts, logs and shapes one recorded decision: the evaluation, or the refusal to throw. */
  private conclude(b: {
    input: EvaluateStcInput;
    merchant: Merchant;
    customer: Customer;
    result: ReturnType<typeof buildStc>;
    errorCode: string | null;
    decision: RiskDecision;
  }): StcEvaluation | DomainError {
    const { input, merchant, customer, result, decision } = b;
    const missing = decision.keysMissing;
    this.evaluations.inc({ purpose: input.purpose, outcome: result.outcome });
    const logFields = {
      merchantId: merchant.id,
      customerId: customer.id,
      purpose: input.purpose,
      decisionId: decision.id,
    };

    if (b.errorCode === 'STC_CONTEXT_INVALID') {
      this.logger.warn({ ...logFields, keys: decision.keysInvalid }, 'STC refused: invalid risk context');
      return new DomainError(
        'STC_CONTEXT_INVALID',
        `riskContext refused for industry ${merchant.industry}: ${decision.keysInvalid.join(', ')}`,
        result.contextErrors,
      );
    }
    if (b.errorCode === 'STC_DATA_REQUIRED') {
      this.logger.warn({ ...logFields, missing }, 'STC refused: required data missing');
      return new DomainError(
        'STC_DATA_REQUIRED',
        `PayPal STC data is required for this merchant; missing or invalid: ${missing.join(', ')}`,
        result.missing,
      );
    }
    if (result.outcome === 'sent_partial') {
      for (const field of missing) this.gaps.inc({ field });
      this.logger.warn({ ...logFields, missing }, 'STC recommended data incomplete; sending what is available');
    }
    return {
      decisionId: decision.id,
      policy: result.policy,
      additionalData: result.additionalData,
      loadUIBypass: toLoadUIBypass(result.additionalData),
      againBypass: toAgainBypass(result.additionalData),
      tossTransactionContext: toTossTransactionContext(result.additionalData),
      missing,
      outcome: result.outcome === 'sent' ? 'sent' : 'sent_partial',
    };
  }

  /**
   * Fraudnet parameters for the page that triggers a customer-present `again`: `f` is a merchant_uid reserved for
   * that charge (re-used when the page passes back an unused, unexpired one of this merchant), `s` names the page.
   */
  async fraudnet(
    merchantId: string,
    query: { pageType?: FraudnetPageType; merchantUid?: string },
  ): Promise<FraudnetParams> {
    const merchant = await this.merchants.require(merchantId);
    if (!merchant.paypalAccountId) {
      throw new DomainError(
        'PAYPAL_ACCOUNT_ID_REQUIRED',
        'Set paypalAccountId on the merchant profile first: Fraudnet names the source by it',
        [{ field: 'paypalAccountId', errors: ['missing on the merchant profile'] }],
      );
    }
    const pageType = query.pageType ?? DEFAULT_PAGE_TYPE;
    const now = this.clock.now();
    const existing = query.merchantUid
      ? await this.repo.findUsableReservation(merchant.id, query.merchantUid, now)
      : null;
    const reservation =
      existing ??
      (await this.repo.insertReservation({
        merchantUid: newId('fnt'),
        merchantId: merchant.id,
        pageType,
        createdAt: now,
        expiresAt: new Date(now.getTime() + FRAUDNET_RESERVATION_TTL_MS),
        usedAt: null,
      }));
    return {
      fncls: FRAUDNET_FNCLS,
      f: reservation.merchantUid,
      s: `${merchant.paypalAccountId}_${pageType}`,
      sandbox: this.fraudnetSandbox,
      expiresAt: new Date(reservation.expiresAt).toISOString(),
    };
  }

  /**
   * For the charge that a Fraudnet page triggered: marks its reservation used, exactly once across instances. Unknown,
   * expired, another merchant's or already used: FRAUDNET_RESERVATION_INVALID (one answer for all, so nothing leaks).
   */
  async consumeFraudnetReservation(merchantId: string, merchantUid: string): Promise<void> {
    if (!(await this.repo.consumeReservation(merchantId, merchantUid, this.clock.now()))) {
      throw new DomainError(
        'FRAUDNET_RESERVATION_INVALID',
        'No usable Fraudnet reservation for this merchant_uid (unknown, expired or already used)',
        [{ field: 'merchantUid', errors: ['not a usable Fraudnet reservation'] }],
      );
    }
  }

  /** This merchant's decision records, newest first, a page at a time. */
  async listDecisions(
    merchantId: string,
    query: { customerId?: string; limit?: number; cursor?: string },
  ): Promise<Page<RiskDecisionView>> {
    const { limit, after } = pageParams(query);
    const rows = await this.repo.listDecisions(merchantId, { customerId: query.customerId, after, limit });
    return toPage(rows, limit, toDecisionView);
  }
}

export function toDecisionView(d: RiskDecision): RiskDecisionView {
  return {
    id: d.id,
    customerId: d.customerId,
    purpose: d.purpose,
    policy: d.policy,
    industry: d.industry,
    keysSent: d.keysSent,
    keysMissing: d.keysMissing,
    keysInvalid: d.keysInvalid,
    outcome: d.outcome,
    errorCode: d.errorCode,
    createdAt: new Date(d.createdAt).toISOString(),
  };
}

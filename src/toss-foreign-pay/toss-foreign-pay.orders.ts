import { Inject, Injectable } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/configuration';
import { OrdersService } from '../orders/orders.service';
import type { BrowserAnswer } from '../orders/orders.views';
import type {
  CancelTossOrderDto,
  CreateTossOrderDto,
  ListTossOrdersQueryDto,
  TossFailQueryDto,
  TossFailResultDto,
  TossOrderCreatedDto,
  TossOrderDto,
  TossOrderPageDto,
  TossPaymentRequestDto,
  TossRedirectResultDto,
  TossSuccessQueryDto,
} from './dto/toss-order.dto';
import { TOSS_FOREIGN_PAY_CODE } from './toss-foreign-pay.adapter';
import { toTossOrderDto } from './toss-foreign-pay.views';

const GATEWAY = TOSS_FOREIGN_PAY_CODE;

/**
 * The v1 Toss routes (`/v1/toss/orders`, `/v1/toss/success`, `/v1/toss/fail`) as aliases of the one-time payments
 * core for `toss-foreign-pay`: the v1 bodies and redirect queries mapped to and from the core's, nothing else.
 */
@Injectable()
export class TossOrdersAlias {
  constructor(
    private readonly orders: OrdersService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  async create(merchantId: string, dto: CreateTossOrderDto): Promise<TossOrderCreatedDto> {
    const base = this.app.publicBaseUrl;
    const { order, checkout, clientSecret } = await this.orders.createOrder(merchantId, GATEWAY, dto, (orderId) => ({
      successUrl: `${base}/v1/toss/success`,
      // Toss keeps the URL's own query: `ref` lets us record a cancellation, which arrives without an orderId.
      failUrl: `${base}/v1/toss/fail?ref=${orderId}`,
    }));
    return {
      orderId: order.id,
      status: order.status,
      amount: order.amount,
      currency: order.currency,
      clientKey: String(checkout.init.clientKey),
      paymentRequest: checkout.request as unknown as TossPaymentRequestDto,
      clientSecret,
    };
  }

  async list(merchantId: string, query: ListTossOrdersQueryDto): Promise<TossOrderPageDto> {
    const page = await this.orders.list(merchantId, { ...query, gateway: GATEWAY });
    return { ...page, data: page.data.map(toTossOrderDto) };
  }

  async get(merchantId: string, orderId: string): Promise<TossOrderDto> {
    return toTossOrderDto(await this.orders.getOrder(merchantId, orderId, GATEWAY));
  }

  async cancel(merchantId: string, orderId: string, dto: CancelTossOrderDto): Promise<TossOrderDto> {
    return toTossOrderDto(await this.orders.cancel(merchantId, orderId, dto, GATEWAY));
  }

  /** Toss appends `paymentKey`, `orderId` and `amount` to the success URL: a pointer, compared with the order. */
  successForBrowser(query: TossSuccessQueryDto): Promise<BrowserAnswer<TossRedirectResultDto>> {
    const pointer: Record<string, string> = {};
    for (const k of ['paymentKey', 'orderId', 'amount'] as const) if (query[k] !== undefined) pointer[k] = query[k]!;
    return this.orders.successForBrowser(query.orderId, pointer, GATEWAY);
  }

  /** Toss's orderId when it sends one; our own `ref` otherwise (PAY_PROCESS_CANCELED carries no orderId). */
  failForBrowser(query: TossFailQueryDto): Promise<BrowserAnswer<TossFailResultDto>> {
    const conflicting = query.orderId !== undefined && query.ref !== undefined && query.orderId !== query.ref;
    const reference = conflicting ? undefined : (query.orderId ?? query.ref);
    return this.orders.failForBrowser(reference, query.code, query.message, GATEWAY);
  }
}

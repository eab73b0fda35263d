import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ClientSecretAllowed,
  CurrentMerchant,
  CurrentPrincipal,
  type Principal,
  Public,
} from '../auth/auth.decorators';
import { appConfig, type AppConfig } from '../config/configuration';
import { Idempotent } from '../idempotency/idempotent.decorator';
import type { Merchant } from '../merchants/merchant.entity';
import {
  CancelOrderDto,
  CreateOrderDto,
  OrderCreatedDto,
  OrderDto,
  OrderFailResultDto,
  OrderPageDto,
  ListOrdersQueryDto,
  OrderRedirectResultDto,
} from './dto/order.dto';
import { OrdersService } from './orders.service';
import { type BrowserAnswer, toOrderDto } from './orders.views';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('v1/orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: "Store a one-time order at a gateway and get what its SDK needs (the amount is the server's)",
  })
  @ApiCreatedResponse({ type: OrderCreatedDto })
  async create(@CurrentMerchant() merchant: Merchant, @Body() body: CreateOrderDto): Promise<OrderCreatedDto> {
    const base = `${this.app.publicBaseUrl.replace(/\/$/, '')}/v1/orders`;
    const { gateway, ...input } = body;
    const { order, checkout, clientSecret } = await this.orders.createOrder(merchant.id, gateway, input, (id) => ({
      successUrl: `${base}/${id}/success`,
      failUrl: `${base}/${id}/fail`,
    }));
    return {
      orderId: order.id,
      gateway: order.gateway,
      status: order.status,
      amount: order.amount,
      currency: order.currency,
      checkout: { ...checkout },
      clientSecret,
    };
  }

  @Get()
  @ApiOperation({ summary: 'Orders, newest first (cursor-paginated), by status and gateway; as stored (no look-up)' })
  @ApiOkResponse({ type: OrderPageDto })
  async list(@CurrentMerchant() merchant: Merchant, @Query() query: ListOrdersQueryDto): Promise<OrderPageDto> {
    const page = await this.orders.list(merchant.id, query);
    return { ...page, data: page.data.map(toOrderDto) };
  }

  @Get(':orderId')
  @ApiOperation({
    summary: 'The order, with its cancels (an unknown confirm or unfinished cancel is looked up at the PG first)',
  })
  @ClientSecretAllowed('order', 'orderId')
  @ApiOkResponse({ type: OrderDto })
  async get(@CurrentPrincipal() caller: Principal, @Param('orderId') orderId: string): Promise<OrderDto> {
    return toOrderDto(await this.orders.getOrder(caller.merchantId, orderId));
  }

  @Post(':orderId/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel all (no amount) or part; a cancel the PG has not finished is reported as pending' })
  @ApiOkResponse({ type: OrderDto })
  async cancel(
    @CurrentMerchant() merchant: Merchant,
    @Param('orderId') orderId: string,
    @Body() body: CancelOrderDto,
  ): Promise<OrderDto> {
    return toOrderDto(await this.orders.cancel(merchant.id, orderId, body));
  }
}

/** Where a gateway sends the buyer's browser: unauthenticated; the path names the order, the query is only a pointer. */
@ApiTags('orders')
@Public()
@Controller('v1/orders')
export class OrderReturnsController {
  constructor(private readonly orders: OrdersService) {}

  @Get(':orderId/success')
  @ApiOperation({
    summary: 'Success redirect: confirms once when the query matches the stored order (amount, order, PG id)',
    description:
      'The query is whatever the PG appends (its payment id, our order id, the amount): a pointer compared with the stored order, never trusted.',
  })
  @ApiOkResponse({ type: OrderRedirectResultDto, description: 'Without a merchant returnUrl' })
  @ApiResponse({
    status: 303,
    description: "To the merchant's returnUrl with orderId, status, amount, currency, message (code on errors)",
  })
  async success(
    @Param('orderId') orderId: string,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, await this.orders.successForBrowser(orderId, strings(query)));
  }

  @Get(':orderId/fail')
  @ApiOperation({ summary: "Fail redirect: records the failure and answers a buyer-facing message for the PG's code" })
  @ApiQuery({ name: 'code', required: false, description: "The PG's code" })
  @ApiQuery({ name: 'message', required: false })
  @ApiOkResponse({ type: OrderFailResultDto, description: 'Without a merchant returnUrl' })
  @ApiResponse({ status: 303, description: "To the merchant's returnUrl with orderId, status, code, message" })
  async fail(
    @Param('orderId') orderId: string,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const q = strings(query);
    // A PG that appends its own order id must name this one: a redirect naming two orders records nothing.
    const reference = q.orderId === undefined || q.orderId === orderId ? orderId : undefined;
    send(reply, await this.orders.failForBrowser(reference, q.code?.slice(0, 64), q.message?.slice(0, 1000)));
  }
}

/** Only single string values, bounded: a repeated key (an array) is not a pointer we trust. */
function strings(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {}))
    if (typeof v === 'string' && k.length <= 64) out[k] = v.slice(0, 1000);
  return out;
}

function send<T>(reply: FastifyReply, answer: BrowserAnswer<T>): void {
  if (answer.location) void reply.status(303).header('location', answer.location).send();
  else void reply.status(200).send(answer.result);
}

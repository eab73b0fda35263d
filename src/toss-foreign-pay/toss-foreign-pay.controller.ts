import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ClientSecretAllowed,
  CurrentMerchant,
  CurrentPrincipal,
  type Principal,
  Public,
} from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import {
  CancelTossOrderDto,
  CreateTossOrderDto,
  ListTossOrdersQueryDto,
  TossFailQueryDto,
  TossFailResultDto,
  TossOrderCreatedDto,
  TossOrderDto,
  TossOrderPageDto,
  TossRedirectResultDto,
  TossSuccessQueryDto,
} from './dto/toss-order.dto';
import type { BrowserAnswer } from '../orders/orders.views';
import { TossOrdersAlias } from './toss-foreign-pay.orders';
import { Idempotent } from '../idempotency/idempotent.decorator';

/** v1 aliases of the one-time payments core (`/v1/orders`) for `toss-foreign-pay`: same bodies and codes. */
@ApiTags('toss')
@ApiBearerAuth()
@Controller('v1/toss/orders')
export class TossOrdersController {
  constructor(private readonly toss: TossOrdersAlias) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Store a PayPal order and get the Toss SDK requestPayment parameters (USD only)' })
  @ApiCreatedResponse({ type: TossOrderCreatedDto })
  create(@CurrentMerchant() merchant: Merchant, @Body() body: CreateTossOrderDto): Promise<TossOrderCreatedDto> {
    return this.toss.create(merchant.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'Toss orders, newest first (cursor-paginated), by status; as stored (no look-up)' })
  @ApiOkResponse({ type: TossOrderPageDto })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: ListTossOrdersQueryDto): Promise<TossOrderPageDto> {
    return this.toss.list(merchant.id, query);
  }

  @Get(':orderId')
  @ApiOperation({
    summary: 'The order, with its cancels (an unknown confirm or unfinished cancel is looked up at Toss first)',
  })
  @ClientSecretAllowed('order', 'orderId')
  @ApiOkResponse({ type: TossOrderDto })
  get(@CurrentPrincipal() caller: Principal, @Param('orderId') orderId: string): Promise<TossOrderDto> {
    return this.toss.get(caller.merchantId, orderId);
  }

  @Post(':orderId/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel all (no amount) or part; a cancel Toss has not finished is reported as pending' })
  @ApiOkResponse({ type: TossOrderDto })
  cancel(
    @CurrentMerchant() merchant: Merchant,
    @Param('orderId') orderId: string,
    @Body() body: CancelTossOrderDto,
  ): Promise<TossOrderDto> {
    return this.toss.cancel(merchant.id, orderId, body);
  }
}

/** Where Toss sends the buyer's browser: unauthenticated, the query is only a pointer to the stored order. */
@ApiTags('toss')
@Public()
@Controller('v1/toss')
export class TossRedirectsController {
  constructor(private readonly toss: TossOrdersAlias) {}

  @Get('success')
  @ApiOperation({ summary: 'Success redirect: confirms once when the amount matches the stored order' })
  @ApiOkResponse({ type: TossRedirectResultDto, description: 'Without a merchant returnUrl' })
  @ApiResponse({
    status: 303,
    description: "To the merchant's returnUrl with orderId, status, amount, currency, message (code on errors)",
  })
  async success(@Query() query: TossSuccessQueryDto, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.toss.successForBrowser(query));
  }

  @Get('fail')
  @ApiOperation({ summary: 'Fail redirect: records the failure and answers a buyer-facing message for the code' })
  @ApiOkResponse({ type: TossFailResultDto, description: 'Without a merchant returnUrl' })
  @ApiResponse({ status: 303, description: "To the merchant's returnUrl with orderId, status, code, message" })
  async fail(@Query() query: TossFailQueryDto, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.toss.failForBrowser(query));
  }
}

function send<T>(reply: FastifyReply, answer: BrowserAnswer<T>): void {
  if (answer.location) void reply.status(303).header('location', answer.location).send();
  else void reply.status(200).send(answer.result);
}

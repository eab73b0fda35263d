import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO31661Alpha2, IsObject, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { ORDER_CANCEL_STATUSES } from '../order-cancel.entity';
import { ORDER_STATUSES } from '../order.entity';

export class CreateOrderDto {
  @ApiProperty({
    example: 'toss-foreign-pay',
    description: 'A registered gateway code with oneTimePayments (GET /v1/gateways)',
  })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'gateway must be a gateway code' })
  gateway: string;

  @ApiProperty({ example: 'Pro plan, 1 month', description: 'Shown to the buyer (1-100 characters)' })
  @IsString()
  @Length(1, 100)
  orderName: string;

  @ApiProperty({ example: 1999, description: 'Minor units' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @ApiProperty({
    example: 'USD',
    description: "ISO 4217; one of the gateway's currencies (anything else is UNSUPPORTED_CURRENCY)",
  })
  @IsString()
  @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency: string;

  @ApiPropertyOptional({
    description: "The buyer (the merchant's customer): risk data and the default country come from it",
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  customerId?: string;

  @ApiPropertyOptional({
    example: 'US',
    description: "The buyer's ISO 3166-1 alpha-2 country (default: the customer's)",
  })
  @OptionalNotNull()
  @IsISO31661Alpha2()
  country?: string;

  @ApiPropertyOptional({
    description: 'Per-industry PayPal STC extras (flat key/values), for PayPal gateways',
    type: 'object',
    additionalProperties: true,
  })
  @OptionalNotNull()
  @IsObject()
  riskContext?: Record<string, unknown>;
}

export class CancelOrderDto {
  @ApiProperty({ example: 'Customer request', description: '1-200 characters, not blank' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;

  @ApiPropertyOptional({ example: 500, description: 'Minor units; omit to cancel everything still refundable' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;
}

export class CheckoutDto {
  @ApiProperty({ example: 'tosspayments-v2', description: 'Which official SDK consumes it' }) sdk: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The SDK's initialisation arguments (public values only)",
  })
  init: Record<string, unknown>;
  @ApiProperty({ example: 'requestPayment' }) method: string;
  @ApiPropertyOptional() uiType?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The SDK method's request, in the PG's field names, verbatim",
  })
  request: Record<string, unknown>;
}

export class OrderCreatedDto {
  @ApiProperty() orderId: string;
  @ApiProperty() gateway: string;
  @ApiProperty({ example: 'created' }) status: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ type: CheckoutDto, description: "What the frontend passes to the gateway's SDK" })
  checkout: CheckoutDto;
  @ApiProperty({
    description:
      "For the buyer's browser, returned once (stored hashed): Bearer token for GET of this order while it is created",
    example: 'tfo_…_secret_…',
  })
  clientSecret: string;
}

export class OrderCancelDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['refund', 'mismatch_return', 'external'] }) kind: string;
  @ApiProperty({ enum: ORDER_CANCEL_STATUSES, description: 'pending until the PG reports the cancel done' })
  status: string;
  @ApiPropertyOptional({ nullable: true, description: "The PG's id of the cancel" }) gatewayCancelId: string | null;
  @ApiPropertyOptional({ nullable: true }) failureCode: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class OrderDto {
  @ApiProperty() orderId: string;
  @ApiProperty() gateway: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status: string;
  @ApiProperty() orderName: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() country: string;
  @ApiPropertyOptional({ nullable: true }) customerId: string | null;
  @ApiPropertyOptional({ nullable: true, description: "The PG's id of the confirmed checkout" }) gatewayPaymentId:
    string | null;
  @ApiPropertyOptional({ nullable: true, description: "The PG's payment status, verbatim" }) gatewayStatus:
    string | null;
  @ApiPropertyOptional({ nullable: true }) method: string | null;
  @ApiPropertyOptional({ nullable: true }) receiptUrl: string | null;
  @ApiPropertyOptional({ nullable: true }) approvedAt: string | null;
  @ApiProperty({ description: 'Refunded and done at the PG (minor units)' }) refundedAmount: number;
  @ApiProperty({ description: 'Held by cancels the PG has not finished (minor units)' }) pendingRefundAmount: number;
  @ApiProperty({ description: 'What can still be cancelled (minor units)' }) refundableAmount: number;
  @ApiPropertyOptional({ nullable: true }) failureCode: string | null;
  @ApiPropertyOptional({ nullable: true }) failureMessage: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Why the order was flagged for review' }) flagReason:
    string | null;
  @ApiProperty({ type: [OrderCancelDto] }) cancels: OrderCancelDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class OrderRedirectResultDto {
  @ApiProperty() orderId: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'For the buyer' }) message: string;
}

export class OrderFailResultDto {
  @ApiPropertyOptional({ nullable: true }) orderId: string | null;
  @ApiPropertyOptional({ nullable: true, enum: ORDER_STATUSES }) status: string | null;
  @ApiProperty({ description: "The PG's code, verbatim" }) code: string;
  @ApiProperty({ description: 'For the buyer' }) message: string;
}

export class ListOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @OptionalNotNull()
  @IsIn(ORDER_STATUSES)
  status?: string;

  @ApiPropertyOptional({ description: 'Only orders at this gateway (its code)', example: 'toss-foreign-pay' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 64)
  gateway?: string;
}

export class OrderPageDto extends PageOf(OrderDto, 'OrderPageDto') {}

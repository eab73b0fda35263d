import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { CancelOrderDto, CreateOrderDto, ListOrdersQueryDto } from '../../orders/dto/order.dto';
import { PageOf } from '../../common/pagination';
import { IsString, Length } from 'class-validator';
import { ORDER_CANCEL_STATUSES as TOSS_CANCEL_STATUSES } from '../../orders/order-cancel.entity';
import { ORDER_STATUSES as TOSS_ORDER_STATUSES } from '../../orders/order.entity';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

/** The v1 body of `POST /v1/toss/orders`: the generic order request without `gateway` (the route names it). */
export class CreateTossOrderDto extends OmitType(CreateOrderDto, ['gateway'] as const) {}

/** The v1 body of a Toss order cancel: the generic one (`reason` becomes Toss's cancelReason). */
export class CancelTossOrderDto extends CancelOrderDto {}

export class TossCancelDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() reason: string;
  @ApiProperty({
    enum: ['refund', 'mismatch_return'],
    description: 'mismatch_return: the automatic return of a payment Toss confirmed for another amount',
  })
  kind: string;
  @ApiProperty({ enum: TOSS_CANCEL_STATUSES, description: 'pending until Toss reports the (asynchronous) cancel DONE' })
  status: string;
  @ApiPropertyOptional({ nullable: true }) transactionKey: string | null;
  @ApiPropertyOptional({ nullable: true }) failureCode: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class TossOrderDto {
  @ApiProperty() orderId: string;
  @ApiProperty({ enum: TOSS_ORDER_STATUSES }) status: string;
  @ApiProperty() orderName: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() country: string;
  @ApiPropertyOptional({ nullable: true }) customerId: string | null;
  @ApiPropertyOptional({ nullable: true, description: "Toss's key of the confirmed checkout" }) paymentKey:
    string | null;
  @ApiPropertyOptional({ nullable: true, description: "Toss's payment status, verbatim" }) tossStatus: string | null;
  @ApiPropertyOptional({ nullable: true }) method: string | null;
  @ApiPropertyOptional({ nullable: true }) easyPayProvider: string | null;
  @ApiPropertyOptional({ nullable: true }) receiptUrl: string | null;
  @ApiPropertyOptional({ nullable: true }) approvedAt: string | null;
  @ApiProperty({ description: 'Refunded and done at Toss (minor units)' }) refundedAmount: number;
  @ApiProperty({ description: 'Held by cancels Toss has not finished (minor units)' }) pendingRefundAmount: number;
  @ApiProperty({ description: 'What can still be cancelled (minor units)' }) refundableAmount: number;
  @ApiPropertyOptional({ nullable: true }) failureCode: string | null;
  @ApiPropertyOptional({ nullable: true }) failureMessage: string | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'Why the order was flagged for review (tampered redirect, confirmed amount mismatch)',
  })
  flagReason: string | null;
  @ApiProperty({ type: [TossCancelDto] }) cancels: TossCancelDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class TossPaymentRequestDto {
  @ApiProperty({ example: 'FOREIGN_EASY_PAY' }) method: string;
  @ApiProperty({ example: { currency: 'USD', value: 19.99 } }) amount: { currency: string; value: number };
  @ApiProperty() orderId: string;
  @ApiProperty() orderName: string;
  @ApiProperty() successUrl: string;
  @ApiProperty() failUrl: string;
  @ApiProperty({
    example: {
      provider: 'PAYPAL',
      country: 'US',
      paymentMethodOptions: { paypal: { setTransactionContext: { sender_account_id: 'cus_123' } } },
    },
    description:
      "The buyer's country, and (when a customer is known) PayPal STC in paymentMethodOptions.paypal.setTransactionContext: inside foreignEasyPay, where the SDK takes it",
  })
  foreignEasyPay: {
    provider: string;
    country: string;
    paymentMethodOptions?: { paypal: { setTransactionContext: Record<string, string> } };
  };
}

export class TossOrderCreatedDto {
  @ApiProperty() orderId: string;
  @ApiProperty({ example: 'created' }) status: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ description: "The merchant's Toss client key (public) for the SDK" }) clientKey: string;
  @ApiProperty({
    type: TossPaymentRequestDto,
    description: "What the frontend passes to the Toss SDK's requestPayment, verbatim",
  })
  paymentRequest: TossPaymentRequestDto;
  @ApiProperty({
    description:
      "For the buyer's browser, returned once (stored hashed): Bearer token for GET of this order while it is created",
    example: 'tfo_…_secret_…',
  })
  clientSecret: string;
}

export class TossSuccessQueryDto {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 200) paymentKey?: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 64) orderId?: string;
  @ApiPropertyOptional({
    description: 'As Toss appends it (major units); compared with the stored order, never trusted',
  })
  @OptionalNotNull()
  @IsString()
  @Length(0, 32)
  amount?: string;
  @ApiPropertyOptional({ example: 'NORMAL' }) @OptionalNotNull() @IsString() @Length(0, 20) paymentType?: string;
}

export class TossFailQueryDto {
  @ApiPropertyOptional({ example: 'PAY_PROCESS_CANCELED' }) @OptionalNotNull() @IsString() @Length(0, 64) code?: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(0, 1000) message?: string;
  @ApiPropertyOptional({ description: 'Absent for PAY_PROCESS_CANCELED' })
  @OptionalNotNull()
  @IsString()
  @Length(0, 64)
  orderId?: string;
  @ApiPropertyOptional({
    description: 'Our own order reference, put in failUrl so a cancellation (which carries no orderId) is recorded',
  })
  @OptionalNotNull()
  @IsString()
  @Length(0, 64)
  ref?: string;
}

export class TossRedirectResultDto {
  @ApiProperty() orderId: string;
  @ApiProperty({ enum: TOSS_ORDER_STATUSES }) status: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'For the buyer' }) message: string;
}

export class TossFailResultDto {
  @ApiPropertyOptional({ nullable: true }) orderId: string | null;
  @ApiPropertyOptional({ nullable: true, enum: TOSS_ORDER_STATUSES }) status: string | null;
  @ApiProperty({ description: "Toss's code, verbatim" }) code: string;
  @ApiProperty({ description: 'For the buyer' }) message: string;
}

/** The same answer whatever the delivery named (whether an order exists is never told to the unauthenticated caller). */
export class TossWebhookAckDto {
  @ApiProperty({ description: 'Always true: a 2xx tells Toss to stop retrying' }) received: boolean;
}

/** The v1 alias lists its own gateway's orders only: no `gateway` filter. */
export class ListTossOrdersQueryDto extends OmitType(ListOrdersQueryDto, ['gateway'] as const) {}

export class TossOrderPageDto extends PageOf(TossOrderDto, 'TossOrderPageDto') {}

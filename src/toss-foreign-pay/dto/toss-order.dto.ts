import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO31661Alpha2, IsObject, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ORDER_CANCEL_STATUSES as TOSS_CANCEL_STATUSES } from '../../orders/order-cancel.entity';
import { ORDER_STATUSES as TOSS_ORDER_STATUSES } from '../../orders/order.entity';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateTossOrderDto {
  @ApiProperty({ example: 'Pro plan, 1 month', description: 'Shown to the buyer (1-100 characters)' })
  @IsString()
  @Length(1, 100)
  orderName: string;

  @ApiProperty({ example: 1999, description: 'Minor units (USD cents)' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @ApiProperty({ example: 'USD', description: 'ISO 4217; foreign easy pay takes USD only (anything else is UNSUPPORTED_CURRENCY)' })
  @IsString()
  @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency: string;

  @ApiPropertyOptional({ description: "The buyer (the merchant's customer): STC data and the default country come from it" })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  customerId?: string;

  @ApiPropertyOptional({ example: 'US', description: "The buyer's ISO 3166-1 alpha-2 country (default: the customer's)" })
  @OptionalNotNull()
  @IsISO31661Alpha2()
  country?: string;

  @ApiPropertyOptional({ description: 'Per-industry PayPal STC extras (flat key/values), as for charges', type: 'object', additionalProperties: true })
  @OptionalNotNull()
  @IsObject()
  riskContext?: Record<string, unknown>;
}

export class CancelTossOrderDto {
  @ApiProperty({ example: 'Customer request', description: '1-200 characters, not blank (Toss cancelReason)' })
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

export class TossCancelDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['refund', 'mismatch_return'], description: 'mismatch_return: the automatic return of a payment Toss confirmed for another amount' })
  kind: string;
  @ApiProperty({ enum: TOSS_CANCEL_STATUSES, description: 'pending until Toss reports the (asynchronous) cancel DONE' }) status: string;
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
  @ApiPropertyOptional({ nullable: true, description: "Toss's key of the confirmed checkout" }) paymentKey: string | null;
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
  @ApiPropertyOptional({ nullable: true, description: 'Why the order was flagged for review (tampered redirect, confirmed amount mismatch)' })
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
    example: { provider: 'PAYPAL', country: 'US', paymentMethodOptions: { paypal: { setTransactionContext: { sender_account_id: 'cus_123' } } } },
    description:
      'The buyer\'s country, and (when a customer is known) PayPal STC in paymentMethodOptions.paypal.setTransactionContext: inside foreignEasyPay, where the SDK takes it',
  })
  foreignEasyPay: { provider: string; country: string; paymentMethodOptions?: { paypal: { setTransactionContext: Record<string, string> } } };
}

export class TossOrderCreatedDto {
  @ApiProperty() orderId: string;
  @ApiProperty({ example: 'created' }) status: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ description: "The merchant's Toss client key (public) for the SDK" }) clientKey: string;
  @ApiProperty({ type: TossPaymentRequestDto, description: "What the frontend passes to the Toss SDK's requestPayment, verbatim" })
  paymentRequest: TossPaymentRequestDto;
}

export class TossSuccessQueryDto {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 200) paymentKey?: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 64) orderId?: string;
  @ApiPropertyOptional({ description: 'As Toss appends it (major units); compared with the stored order, never trusted' })
  @OptionalNotNull()
  @IsString()
  @Length(0, 32)
  amount?: string;
  @ApiPropertyOptional({ example: 'NORMAL' }) @OptionalNotNull() @IsString() @Length(0, 20) paymentType?: string;
}

export class TossFailQueryDto {
  @ApiPropertyOptional({ example: 'PAY_PROCESS_CANCELED' }) @OptionalNotNull() @IsString() @Length(0, 64) code?: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(0, 1000) message?: string;
  @ApiPropertyOptional({ description: 'Absent for PAY_PROCESS_CANCELED' }) @OptionalNotNull() @IsString() @Length(0, 64) orderId?: string;
  @ApiPropertyOptional({ description: 'Our own order reference, put in failUrl so a cancellation (which carries no orderId) is recorded' })
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

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { CHARGE_STATUSES } from '../charge.entity';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateChargeDto {
  @ApiProperty({ description: 'Integer amount in the minor unit of currency (USD cents)', example: 1999 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @ApiProperty({ description: 'ISO 4217 (PayPal RT refuses KRW)', example: 'USD' })
  @IsISO4217CurrencyCode()
  currency: string;

  @ApiProperty({ description: 'Order name shown to the buyer', example: 'Extra credits' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({
    description: 'The merchant_uid reserved by GET /v1/risk/fraudnet for this charge (used once)',
    example: 'fnt_abc',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/)
  merchantUid: string;
}

export class CancelChargeDto {
  @ApiProperty({ example: 'customer request' })
  @IsString()
  @Length(1, 200)
  reason: string;

  @ApiPropertyOptional({ description: 'Minor units to refund; omit for the whole refundable balance' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;
}

export class ListChargesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: "Only this customer's charges" })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  customerId?: string;

  @ApiPropertyOptional({ description: "Only this subscription's charges" })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  subscriptionId?: string;

  @ApiPropertyOptional({ enum: CHARGE_STATUSES })
  @OptionalNotNull()
  @IsIn(CHARGE_STATUSES)
  status?: string;

  @ApiPropertyOptional({
    description: 'Only charges flagged for review (unresolved after the last look-up)',
    enum: ['true'],
  })
  @OptionalNotNull()
  @IsBooleanString()
  @Transform(({ value }) => (value === undefined ? undefined : String(value)))
  review?: string;
}

export class ChargeCancelView {
  @ApiProperty() id: string;
  @ApiProperty() amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'], description: 'pending: the PG has not approved it yet' })
  status: string;
  @ApiPropertyOptional() failureCode?: string;
  @ApiProperty() review: boolean;
  @ApiProperty({ description: 'Made outside the API (the PG console), found by a look-up' }) external: boolean;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional() settledAt?: string;
}

export class ResolveChargeDto {
  @ApiProperty({
    enum: ['succeeded', 'failed'],
    description: 'What the payment became: the charge takes it and its subscription moves as if the PG had said so',
  })
  @IsIn(['succeeded', 'failed'])
  resolution: 'succeeded' | 'failed';

  @ApiProperty({ description: 'Why (kept with the action)', example: 'Confirmed paid in the PayPal console' })
  @IsString()
  @Length(1, 500)
  note: string;
}

export class ChargeReviewActionView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['lookup', 'resolve'] }) action: string;
  @ApiPropertyOptional({ enum: ['succeeded', 'failed'], nullable: true }) resolution: string | null;
  @ApiPropertyOptional({ nullable: true }) note: string | null;
  @ApiProperty({ description: 'The id of the API key that called (never the key)' }) apiKeyId: string;
  @ApiProperty({ enum: CHARGE_STATUSES, description: 'The charge status after the action' }) chargeStatus: string;
  @ApiProperty() createdAt: string;
}

export class ChargeView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['recurring', 'customer_present'] }) kind: string;
  @ApiPropertyOptional() subscriptionId?: string;
  @ApiPropertyOptional({ description: 'Billing cycle (0 = the first period); recurring charges only' }) cycle?: number;
  @ApiProperty({ description: 'Attempt within the cycle (1 = first try; retries after soft declines)' })
  attempt: number;
  @ApiProperty({ description: 'The PG reference (PortOne merchant_uid)' }) merchantUid: string;
  @ApiProperty() amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() refundedAmount: number;
  @ApiProperty({ enum: CHARGE_STATUSES }) status: string;
  @ApiPropertyOptional() gatewayPaymentId?: string;
  @ApiPropertyOptional() failureCode?: string;
  @ApiPropertyOptional() failureMessage?: string;
  @ApiProperty() review: boolean;
  @ApiPropertyOptional() reviewReason?: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional() settledAt?: string;
  @ApiPropertyOptional({ type: [ChargeCancelView] }) cancels?: ChargeCancelView[];
  @ApiPropertyOptional({ type: ChargeCancelView, description: 'The cancel this request made' })
  cancel?: ChargeCancelView;
  @ApiPropertyOptional({ type: ChargeReviewActionView, description: 'The review action this request recorded' })
  reviewAction?: ChargeReviewActionView;
}

export class ChargeListView {
  @ApiProperty({ type: [ChargeView] }) data: ChargeView[];
}

/** `GET /v1/charges`: the shared envelope (v1.1 added `hasMore` and `nextCursor` beside `data`). */
export class ChargePageView extends PageOf(ChargeView, 'ChargePageView') {}

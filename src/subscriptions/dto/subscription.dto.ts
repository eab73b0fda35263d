import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsObject, IsString, Length } from 'class-validator';
import { SUBSCRIPTION_STATUSES } from '../subscription.entity';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateSubscriptionDto {
  @ApiProperty() @IsString() @Length(1, 40) customerId: string;
  @ApiProperty() @IsString() @Length(1, 40) planId: string;
  @ApiProperty({ description: 'An active billing key of the same customer' })
  @IsString()
  @Length(1, 40)
  billingKeyId: string;

  @ApiPropertyOptional({ description: 'When the first charge is due and cycle 0 starts (ISO 8601); default now' })
  @OptionalNotNull()
  @IsISO8601({ strict: true })
  startAt?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 255 },
    maxProperties: 40,
    description:
      "The per-charge PayPal STC keys of the merchant's industry (e.g. marketplace receiver_account_id), sent with every " +
      'charge of the subscription. Values are strings; only the extra keys of that industry are accepted (others: 400 ' +
      'VALIDATION_FAILED). Keys every charge needs that are missing: 422 STC_DATA_REQUIRED naming them.',
    example: { receiver_account_id: 'SELLER-123', receiver_email: 'seller@example.com' },
  })
  @OptionalNotNull()
  @IsObject()
  riskContext?: Record<string, unknown>;
}

export class CancelSubscriptionDto {
  @ApiPropertyOptional({
    description: 'Keep it until the current period ends (no further charge), instead of now',
    default: false,
  })
  @OptionalNotNull()
  @IsBoolean()
  atPeriodEnd?: boolean;
}

export class SubscriptionView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: SUBSCRIPTION_STATUSES, description: 'incomplete until the first charge succeeds' })
  status: string;
  @ApiProperty() customerId: string;
  @ApiProperty() planId: string;
  @ApiProperty() billingKeyId: string;
  @ApiProperty() amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() interval: string;
  @ApiProperty() intervalCount: number;
  @ApiProperty() currentPeriodStart: string;
  @ApiProperty() currentPeriodEnd: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When the scheduler charges next; null when nothing is due (canceled, or a charge awaits the PG)',
  })
  nextChargeAt: string | null;
  @ApiProperty({ description: 'The cycle the next charge is for' }) cycle: number;
  @ApiProperty({ description: 'The attempt number of the next charge within its cycle' }) attempt: number;
  @ApiProperty() cancelAtPeriodEnd: boolean;
  @ApiPropertyOptional() canceledAt?: string;
  @ApiPropertyOptional() cancelReason?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The STC keys sent with every charge (empty when none)',
  })
  riskContext: Record<string, string>;
  @ApiPropertyOptional({ description: 'The plan charged from the next period on (set by PATCH)' })
  pendingPlanId?: string;
  @ApiProperty() createdAt: string;
}

export class UpdateSubscriptionDto {
  @ApiPropertyOptional({
    description:
      'A new active billing key of the same customer, used from now on; a past_due subscription is retried with it on ' +
      'the next run',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  billingKeyId?: string;

  @ApiPropertyOptional({
    description:
      'The plan charged from the next period on (no proration; same billing interval). The current plan withdraws a ' +
      'pending change.',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  planId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 255 },
    maxProperties: 40,
    description: "Replaces the subscription's per-charge PayPal STC keys; checked as at creation",
  })
  @OptionalNotNull()
  @IsObject()
  riskContext?: Record<string, unknown>;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsString, Length } from 'class-validator';
import { SUBSCRIPTION_STATUSES } from '../subscription.entity';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateSubscriptionDto {
  @ApiProperty() @IsString() @Length(1, 40) customerId: string;
  @ApiProperty() @IsString() @Length(1, 40) planId: string;
  @ApiProperty({ description: 'An active billing key of the same customer' }) @IsString() @Length(1, 40) billingKeyId: string;

  @ApiPropertyOptional({ description: 'When the first charge is due and cycle 0 starts (ISO 8601); default now' })
  @OptionalNotNull()
  @IsISO8601({ strict: true })
  startAt?: string;
}

export class CancelSubscriptionDto {
  @ApiPropertyOptional({ description: 'Keep it until the current period ends (no further charge), instead of now', default: false })
  @OptionalNotNull()
  @IsBoolean()
  atPeriodEnd?: boolean;
}

export class SubscriptionView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: SUBSCRIPTION_STATUSES, description: 'incomplete until the first charge succeeds' }) status: string;
  @ApiProperty() customerId: string;
  @ApiProperty() planId: string;
  @ApiProperty() billingKeyId: string;
  @ApiProperty() amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() interval: string;
  @ApiProperty() intervalCount: number;
  @ApiProperty() currentPeriodStart: string;
  @ApiProperty() currentPeriodEnd: string;
  @ApiProperty({ nullable: true, type: String, description: 'When the scheduler charges next; null when nothing is due (canceled, or a charge awaits the PG)' })
  nextChargeAt: string | null;
  @ApiProperty({ description: 'The cycle the next charge is for' }) cycle: number;
  @ApiProperty({ description: 'The attempt number of the next charge within its cycle' }) attempt: number;
  @ApiProperty() cancelAtPeriodEnd: boolean;
  @ApiPropertyOptional() canceledAt?: string;
  @ApiPropertyOptional() cancelReason?: string;
  @ApiProperty() createdAt: string;
}

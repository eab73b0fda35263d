import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export const GATEWAY_CODES = ['toss-foreign-pay', 'portone-paypal-rt'] as const;
export type GatewayCode = (typeof GATEWAY_CODES)[number];

/** Toss Payments keys of the PayPal (foreign easy pay) MID: PayPal through Toss has its own key pair. */
export class TossCredentialsDto {
  @ApiProperty({ description: 'Client key (test_ck_… / live_ck_…), safe in the browser' })
  @Matches(/^(test|live)_(ck|gck)_[A-Za-z0-9_-]{4,200}$/, { message: 'clientKey must look like test_ck_… or live_ck_…' })
  clientKey: string;

  @ApiProperty({ description: 'Secret key (test_sk_… / live_sk_…), server only; stored encrypted, never returned' })
  @Matches(/^(test|live)_(sk|gsk)_[A-Za-z0-9_-]{4,200}$/, { message: 'secretKey must look like test_sk_… or live_sk_…' })
  secretKey: string;
}

/** PortOne V1 REST API keys plus the user code the frontend passes to IMP.init. */
export class PortoneCredentialsDto {
  @ApiProperty({ description: '고객사 식별코드 for IMP.init', example: 'imp12345678' })
  @Matches(/^imp[A-Za-z0-9_-]{1,60}$/, { message: 'userCode must start with imp' })
  userCode: string;

  @ApiProperty({ description: 'REST API key (imp_key)' })
  @IsString()
  @Length(4, 200)
  impKey: string;

  @ApiProperty({ description: 'REST API secret (imp_secret); stored encrypted, never returned' })
  @IsString()
  @Length(8, 400)
  impSecret: string;

  @ApiPropertyOptional({ description: 'PayPal account id when the channel uses pg "paypal_v2.<account>"' })
  @OptionalNotNull()
  @Matches(/^[A-Za-z0-9]{5,64}$/)
  paypalAccountId?: string;
}

export class GatewayCredentialsViewDto {
  @ApiProperty({ enum: GATEWAY_CODES }) gateway: string;
  @ApiProperty({ description: 'Masked hints only; secrets are never returned' }) hints: Record<string, string>;
  @ApiProperty() updatedAt: string;
}

import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO31661Alpha2,
  IsString,
  IsUrl,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { MAX_ALLOWED_ORIGINS } from '../merchant.origins';
import { INDUSTRIES, RETAIL_FULFILLMENTS } from '../merchant.stc-policy';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateMerchantDto {
  @ApiProperty({ example: 'Acme Streaming' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: INDUSTRIES, example: 'saas' })
  @IsIn(INDUSTRIES)
  industry: string;

  @ApiPropertyOptional({
    enum: RETAIL_FULFILLMENTS,
    description: 'Required when industry is retail_food, refused otherwise',
  })
  @ValidateIf((o: CreateMerchantDto) => o.industry === 'retail_food' || o.retailFulfillment !== undefined)
  @IsIn(RETAIL_FULFILLMENTS)
  retailFulfillment?: string;

  @ApiPropertyOptional({
    description: "The merchant's PayPal account id (STC sender_account_id, Fraudnet source)",
    example: 'ABCDEFGHIJKLM',
  })
  @OptionalNotNull()
  @Matches(/^[A-Za-z0-9]{5,64}$/, { message: 'paypalAccountId must be 5-64 letters or digits' })
  paypalAccountId?: string;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2', example: 'US' })
  @OptionalNotNull()
  @IsISO31661Alpha2()
  country?: string;

  @ApiPropertyOptional({
    description: 'Where browser redirects (Toss success/fail) send the buyer after we record the result',
  })
  @OptionalNotNull()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  returnUrl?: string;
}

export class UpdateMerchantDto extends PartialType(CreateMerchantDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ALLOWED_ORIGINS,
    description:
      'Origins (scheme://host[:port], no path) whose browsers get CORS headers on the client-secret routes; https only in production. [] removes them all.',
    example: ['https://shop.example.com'],
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_ORIGINS)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  allowedOrigins?: string[];
}

export class MerchantDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: INDUSTRIES }) industry: string;
  @ApiPropertyOptional({ enum: RETAIL_FULFILLMENTS, nullable: true }) retailFulfillment: string | null;
  @ApiProperty({
    enum: ['required', 'recommended'],
    description: 'Derived from the industry profile; never set by a client',
  })
  stcPolicy: 'required' | 'recommended';
  @ApiPropertyOptional({ nullable: true }) paypalAccountId: string | null;
  @ApiPropertyOptional({ nullable: true }) country: string | null;
  @ApiPropertyOptional({ nullable: true }) returnUrl: string | null;
  @ApiProperty({ type: [String], description: 'Origins that get CORS headers on the client-secret routes' })
  allowedOrigins: string[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreatedMerchantDto extends MerchantDto {
  @ApiProperty({ description: 'Shown once: only its hash is stored' })
  apiKey: string;
}

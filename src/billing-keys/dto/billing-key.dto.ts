import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUrl, Length, Matches } from 'class-validator';
import { BILLING_KEY_STATUSES, type BillingKeyStatus } from '../billing-key.entity';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { IsCustomData } from '../../common/validation/custom-data';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateBillingKeyDto {
  @ApiProperty({ description: 'Our customer id (the buyer the key belongs to)', example: 'cus_8f3kQ2…' })
  @IsString()
  @Length(1, 40)
  customerId: string;

  @ApiProperty({ description: 'Gateway code of a gateway with billing keys', example: 'portone-paypal-rt' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'gateway must be a gateway code such as portone-paypal-rt' })
  gateway: string;

  @ApiPropertyOptional({
    description: 'Name of the issuance shown to the buyer (PortOne `name`)',
    example: 'Pro plan billing agreement',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    description:
      'Merchant data passed to the PG verbatim (PortOne `custom_data`): at most 50 keys and items, keys 1-40 characters, strings 500, 2 levels, 8 KB of JSON',
    type: 'object',
    additionalProperties: true,
  })
  @OptionalNotNull()
  @IsCustomData()
  customData?: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Where the buyer lands after a redirect-based issuance succeeded, with billingKeyId and status added (required for gateways whose SDK redirects, e.g. toss-billing)',
    example: 'https://shop.example.com/billing/done',
  })
  @OptionalNotNull()
  @Length(1, 2048)
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'successUrl must be an http(s) URL' },
  )
  successUrl?: string;

  @ApiPropertyOptional({
    description: 'Where the buyer lands after a redirect-based issuance failed, with billingKeyId and status added',
    example: 'https://shop.example.com/billing/failed',
  })
  @OptionalNotNull()
  @Length(1, 2048)
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'failUrl must be an http(s) URL' },
  )
  failUrl?: string;
}

export class UpdateBillingKeyRequestDto {
  @ApiPropertyOptional({ description: 'New issuance name', example: 'PayPal billing agreement' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    description: 'New custom_data (replaces the old one; same caps as on creation)',
    type: 'object',
    additionalProperties: true,
  })
  @OptionalNotNull()
  @IsCustomData()
  customData?: Record<string, unknown>;
}

/** Limits of a completion pointer: the gateway's own field names, strings only. */
export const POINTER_MAX_FIELDS = 10;
export const POINTER_MAX_LENGTH = 500;

export class ListBillingKeysQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: "Only this customer's keys (an unknown customer is 404)",
    example: 'cus_8f3kQ2…',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  customerId?: string;
}

export class LoadUiDto {
  @ApiProperty({ example: 'paypal-rt' }) uiType: string;
  @ApiProperty({ description: 'IMP.init argument (public)', example: 'imp12345678' }) userCode: string;
  @ApiProperty({
    description:
      "Exactly what the frontend passes to IMP.loadUI(uiType, request, callback) / IMP.updateLoadUIRequest (PortOne's field names)",
    type: 'object',
    additionalProperties: true,
  })
  request: Record<string, unknown>;
}

export class CheckoutDto {
  @ApiProperty({
    description: 'Which official SDK consumes it',
    example: 'iamport-v1',
    enum: ['iamport-v1', 'tosspayments-v2'],
  })
  sdk: string;
  @ApiProperty({
    description: "The SDK's initialisation values (public): PortOne { userCode }, Toss { clientKey, customerKey }",
    type: 'object',
    additionalProperties: true,
  })
  init: Record<string, unknown>;
  @ApiProperty({ description: 'The SDK method to call', example: 'loadUI' }) method: string;
  @ApiProperty({
    description: "The method's request, verbatim in the PG's field names",
    type: 'object',
    additionalProperties: true,
  })
  request: Record<string, unknown>;
}

export class BillingKeyDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: BILLING_KEY_STATUSES }) status: BillingKeyStatus;
  @ApiProperty({ example: 'portone-paypal-rt' }) gateway: string;
  @ApiProperty() customerId: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({
    nullable: true,
    description: 'Why issuance failed (e.g. BUYER_CANCELED, KOREAN_BUYER_ACCOUNT)',
  })
  failureCode: string | null;
  @ApiPropertyOptional({ nullable: true }) failureMessage: string | null;
  @ApiPropertyOptional({
    nullable: true,
    description:
      'For a revoked key: true once the PG confirmed the deletion; false while it could not (a timeout): the key is never charged either way, and DELETE again retries the PG',
  })
  revokedAtGateway: boolean | null;
  @ApiPropertyOptional({
    description: 'Why a revoked key was not deleted at the PG: NOT_SUPPORTED (the gateway cannot delete keys)',
    enum: ['NOT_SUPPORTED'],
  })
  reason?: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ nullable: true }) activatedAt: string | null;
  @ApiPropertyOptional({ nullable: true }) revokedAt: string | null;
}

export class IssuedBillingKeyDto extends BillingKeyDto {
  @ApiProperty({
    description:
      "For the buyer's browser, returned once (stored hashed): Bearer token for GET, PATCH …/request and POST …/complete of this key while it is pending",
    example: 'bk_3Jd…_secret_…',
  })
  clientSecret: string;
  @ApiProperty({ type: CheckoutDto, description: "What the frontend passes to the gateway's official SDK (v1.1)" })
  checkout: CheckoutDto;
  @ApiPropertyOptional({
    type: LoadUiDto,
    description: 'v1: the IMP.loadUI arguments (gateways whose SDK method takes a UI type: portone-paypal-rt)',
  })
  loadUI?: LoadUiDto;
}

export class BillingKeyRequestDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['pending'] }) status: BillingKeyStatus;
  @ApiProperty({ type: CheckoutDto }) checkout: CheckoutDto;
  @ApiPropertyOptional({ type: LoadUiDto }) loadUI?: LoadUiDto;
}

export class BillingKeyCompletionDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['active', 'failed', 'pending'] }) status: BillingKeyStatus;
  @ApiPropertyOptional() failureCode?: string;
  @ApiPropertyOptional() failureMessage?: string;
}

export class BillingKeyListDto extends PageOf(BillingKeyDto, 'BillingKeyListDto') {}

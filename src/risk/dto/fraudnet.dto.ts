import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

/** Page types for the Fraudnet source identifier `s` (seed 004). */
export const FRAUDNET_PAGE_TYPES = [
  'home-page',
  'search-result-page',
  'category-page',
  'product-detail-page',
  'cart-page',
  'inline-cart-page',
  'checkout-page',
] as const;
export type FraudnetPageType = (typeof FRAUDNET_PAGE_TYPES)[number];

export class FraudnetQueryDto {
  @ApiPropertyOptional({
    enum: FRAUDNET_PAGE_TYPES,
    default: 'checkout-page',
    description: 'The page embedding the config (goes into `s`)',
  })
  @OptionalNotNull()
  @IsIn(FRAUDNET_PAGE_TYPES)
  pageType?: FraudnetPageType;

  @ApiPropertyOptional({
    description:
      'An earlier `f` of this merchant: returned again while unused and unexpired (another page of the same visit); otherwise a new one is reserved',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  merchantUid?: string;
}

export class FraudnetParamsDto {
  @ApiProperty({
    description: 'The `fncls` attribute of the <script type="application/json"> tag; always this value',
    example: 'fnparams-dede7cc5-15fd-4c75-a9f4-36c430ee3a99',
  })
  fncls: string;
  @ApiProperty({
    description:
      'Risk session correlation id: the merchant_uid reserved for the coming customer-present charge (pass it back as that ' +
      "charge's merchant_uid). Mobile apps pass the same value to Magnes collectAndSubmit as the PayPal client metadata id " +
      '(Android: 2nd argument paypalClientMetaDataId; iOS: withPayPalClientMetadataId).',
    example: 'fnt_3tJk1mN0pQrS2uVw',
  })
  f: string;
  @ApiProperty({
    description: "Source identifier: <merchant's PayPal account id>_<page type>",
    example: '7WBB3CKT63FRG_checkout-page',
  })
  s: string;
  @ApiProperty({ description: 'true unless the server runs live (production, real PGs)' }) sandbox: boolean;
  @ApiProperty({ description: 'When the reservation of `f` lapses if no charge uses it' }) expiresAt: string;
}

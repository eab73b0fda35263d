import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsEmail, IsISO31661Alpha2, IsISO8601, IsString, Length } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreateCustomerDto {
  @ApiProperty({ example: 'buyer@example.com' })
  @IsEmail()
  @Length(3, 320)
  email: string;

  @ApiProperty({ example: 'Jane' })
  @IsString()
  @Length(1, 100)
  firstName: string;

  @ApiProperty({ example: 'Doe' })
  @IsString()
  @Length(1, 100)
  lastName: string;

  @ApiPropertyOptional({
    description:
      "As people type it: international (+1 (415) 555-0100) or national in the customer's countryCode ((02)16705176 in KR); stored and returned as E.164",
    example: '+1 (415) 555-0100',
    maxLength: 64,
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 64)
  phone?: string;

  @ApiProperty({ description: 'ISO 3166-1 alpha-2', example: 'US' })
  @IsISO31661Alpha2()
  countryCode: string;

  @ApiPropertyOptional({
    description: "When the buyer's account was created at the merchant (ISO 8601)",
    example: '2024-05-01T09:00:00Z',
  })
  @OptionalNotNull()
  @IsISO8601({ strict: true })
  accountCreatedAt?: string;

  @ApiPropertyOptional({ description: "The merchant's own id for this buyer; unique per merchant" })
  @OptionalNotNull()
  @IsString()
  @Length(1, 100)
  externalId?: string;
}

export class CustomerDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiPropertyOptional({ nullable: true, description: 'E.164' }) phone: string | null;
  @ApiProperty() countryCode: string;
  @ApiPropertyOptional({ nullable: true }) accountCreatedAt: string | null;
  @ApiPropertyOptional({ nullable: true }) externalId: string | null;
  @ApiProperty() createdAt: string;
}

/** Any create field; the same validation. An absent field is left as it is. */
export class UpdateCustomerDto extends PartialType(CreateCustomerDto, { skipNullProperties: false }) {}

export class ListCustomersQueryDto extends PageQueryDto {}

export class CustomerPageDto extends PageOf(CustomerDto, 'CustomerPageDto') {}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, Length } from 'class-validator';
import { STC_PURPOSES, type StcPurpose } from '../stc-industry-keys';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class EvaluateStcDto {
  @ApiProperty({ description: "The merchant's customer whose data is sent as the STC sender", example: 'cus_…' })
  @IsString()
  @Length(1, 40)
  customerId: string;

  @ApiPropertyOptional({
    enum: STC_PURPOSES,
    default: 'preflight',
    description: 'What the evaluation is for; recorded',
  })
  @OptionalNotNull()
  @IsIn(STC_PURPOSES)
  purpose?: StcPurpose;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Per-industry extra STC keys (string values), e.g. { "dg_delivery_method": "email" } for event ticketing. Keys ' +
      "that are not in the industry's table, base keys (derived from the records) and bad values are refused with " +
      'STC_CONTEXT_INVALID.',
    example: { cd_string_one: 'plan-pro' },
  })
  @OptionalNotNull()
  @IsObject()
  riskContext?: Record<string, string>;
}

export class StcKeyValueDto {
  @ApiProperty({ example: 'sender_country_code' }) key: string;
  @ApiProperty({ example: 'US' }) value: string;
}

export class StcEvaluationDto {
  @ApiProperty({ description: 'The decision record written for this evaluation' }) decisionId: string;
  @ApiProperty({ enum: ['required', 'recommended'] }) policy: 'required' | 'recommended';
  @ApiProperty({ type: [StcKeyValueDto], description: 'PayPal STC additional_data, values as strings' })
  additionalData: StcKeyValueDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'For IMP.loadUI request `bypass`: { paypal_v2: { additional_data: [{ key, value }] } }',
  })
  loadUIBypass: { paypal_v2: { additional_data: StcKeyValueDto[] } };
  @ApiProperty({ description: 'For PortOne `again` `bypass`: the same object as a JSON string' }) againBypass: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'For Toss paymentMethodOptions.paypal.setTransactionContext: { key: value }',
  })
  tossTransactionContext: Record<string, string>;
  @ApiProperty({
    type: [String],
    description: 'Keys the policy asks for that could not be sent (recommended policy only; required refuses)',
  })
  missing: string[];
  @ApiProperty({ enum: ['sent', 'sent_partial'] }) outcome: 'sent' | 'sent_partial';
}

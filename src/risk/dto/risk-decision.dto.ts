import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class ListRiskDecisionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only this customer' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  customerId?: string;
}

export class RiskDecisionDto {
  @ApiProperty() id: string;
  @ApiPropertyOptional({ nullable: true }) customerId: string | null;
  @ApiProperty({ enum: ['billing_key_issue', 'charge', 'preflight'] }) purpose: string;
  @ApiProperty({ enum: ['required', 'recommended'] }) policy: string;
  @ApiProperty() industry: string;
  @ApiProperty({ type: [String], description: 'Key names only; values are never stored' }) keysSent: string[];
  @ApiProperty({ type: [String] }) keysMissing: string[];
  @ApiProperty({ type: [String], description: "Refused keys of the caller's riskContext" }) keysInvalid: string[];
  @ApiProperty({ enum: ['sent', 'sent_partial', 'refused'] }) outcome: string;
  @ApiPropertyOptional({ nullable: true }) errorCode: string | null;
  @ApiProperty() createdAt: string;
}

/** The shared list envelope (`hasMore` added in v1.1; `data` and `nextCursor` unchanged). */
export class RiskDecisionPageDto extends PageOf(RiskDecisionDto, 'RiskDecisionPageDto') {}

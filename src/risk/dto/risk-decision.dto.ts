import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class ListRiskDecisionsQueryDto {
  @ApiPropertyOptional({ description: 'Only this customer' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  customerId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  cursor?: string;
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

export class RiskDecisionPageDto {
  @ApiProperty({ type: [RiskDecisionDto] }) data: RiskDecisionDto[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as `cursor` for the next (older) page; null at the end' })
  nextCursor: string | null;
}

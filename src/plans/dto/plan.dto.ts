import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO4217CurrencyCode, IsString, Length, Max, Min } from 'class-validator';
import { PLAN_INTERVALS } from '../plan.entity';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class CreatePlanDto {
  @ApiProperty({ example: 'Pro monthly' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ description: 'Integer amount in the minor unit of currency (USD cents)', example: 1999 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @ApiProperty({ description: 'ISO 4217', example: 'USD' })
  @IsISO4217CurrencyCode()
  currency: string;

  @ApiProperty({ enum: PLAN_INTERVALS })
  @IsIn(PLAN_INTERVALS)
  interval: string;

  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 366 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(366)
  intervalCount?: number;
}

export class PlanDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ enum: PLAN_INTERVALS }) interval: string;
  @ApiProperty() intervalCount: number;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'When the plan was archived: it takes no new subscriptions (existing ones keep billing)',
  })
  archivedAt: string | null;
}

export class ListPlansQueryDto extends PageQueryDto {}

export class PlanPageDto extends PageOf(PlanDto, 'PlanPageDto') {}

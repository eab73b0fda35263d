import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, Max, Min, ValidateIf } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class MoveClockDto {
  @ApiPropertyOptional({ description: 'Milliseconds to move forward', example: 86_400_000 })
  @ValidateIf((o: MoveClockDto) => o.now === undefined)
  @IsInt()
  @Min(0)
  @Max(20 * 365 * 86_400_000)
  advanceMs?: number;

  @ApiPropertyOptional({
    description: 'Absolute time to move to (ISO 8601); must not be in the past',
    example: '2027-01-31T00:00:00Z',
  })
  @OptionalNotNull()
  @IsISO8601({ strict: true })
  now?: string;
}

export class ClockStateDto {
  @ApiPropertyOptional() now: string;
  @ApiPropertyOptional() offsetMs: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class EventListQueryDto {
  @ApiPropertyOptional({ description: 'Page size', minimum: 1, maximum: 100, default: 20 })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (opaque)' })
  @OptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only events of this type', example: 'charge.failed' })
  @OptionalNotNull()
  @IsString()
  @Matches(/^[a-z_]{1,32}\.[a-z_]{1,31}$/)
  type?: string;

  @ApiPropertyOptional({ description: 'Only events of this object (a subscription, charge, … id)' })
  @OptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/)
  objectId?: string;
}

export class EventDataView {
  @ApiProperty({ description: 'The object as the REST API showed it right after the change' })
  object: unknown;
}

export class EventView {
  @ApiProperty({ example: 'evt_3f9a…' }) id: string;
  @ApiProperty({ example: 'subscription.renewed' }) type: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() merchantId: string;
  @ApiProperty({ description: 'The subscription, charge, cancel, billing key or order the event is about' })
  objectId: string;
  @ApiProperty({ description: '1, 2, 3… per object: a receiver drops an event older than one it has applied' })
  sequence: number;
  @ApiProperty({ type: EventDataView }) data: { object: unknown };
}

export class EventListView {
  @ApiProperty({ type: [EventView] }) data: EventView[];
  @ApiProperty() hasMore: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next (older) page' })
  nextCursor: string | null;
}

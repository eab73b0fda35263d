import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/pagination';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

export class EventListQueryDto extends PageQueryDto {
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

/** Keeps the OpenAPI name the events list has always had. */
export const EventListView = PageOf(EventView, 'EventListView');

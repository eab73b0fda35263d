import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { DELIVERY_STATUSES } from '../webhook-delivery.entity';
import { PageOf, PageQueryDto } from '../../common/pagination';

export const EVENT_FILTER = /^(\*|[a-z][a-z_]{0,39}\.\*|[a-z][a-z_]{0,39}\.[a-z][a-z_]{0,39})$/;

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://merchant.example/billing-events', maxLength: 2048 })
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Event types to send: exact (`charge.failed`), a prefix (`subscription.*`) or `*` (default)',
    example: ['charge.*', 'subscription.past_due'],
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(EVENT_FILTER, { each: true, message: 'each of events must be a type, "<prefix>.*" or "*"' })
  events?: string[];
}

export class WebhookEndpointDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty() createdAt: string;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ description: 'Signing secret. Shown only here (creation and rotation); store it now.' })
  secret: string;
}

export class WebhookDeliveryDto {
  @ApiProperty() id: string;
  @ApiProperty() endpointId: string;
  @ApiProperty() eventId: string;
  @ApiProperty() eventType: string;
  @ApiProperty() objectId: string;
  @ApiProperty() sequence: number;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty() attempts: number;
  @ApiPropertyOptional({ type: String, nullable: true }) nextAttemptAt: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) lastAttemptAt: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) lastStatusCode: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) lastError: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) deliveredAt: string | null;
  @ApiProperty() createdAt: string;
}

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @OptionalNotNull()
  @IsIn(DELIVERY_STATUSES)
  status?: string;
}

export const WebhookEndpointPage = PageOf(WebhookEndpointDto, 'WebhookEndpointPage');
export const WebhookDeliveryPage = PageOf(WebhookDeliveryDto, 'WebhookDeliveryPage');

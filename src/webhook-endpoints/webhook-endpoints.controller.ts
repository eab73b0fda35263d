import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import { Idempotent } from '../idempotency/idempotent.decorator';
import type { Merchant } from '../merchants/merchant.entity';
import {
  CreateWebhookEndpointDto,
  ListDeliveriesQueryDto,
  WebhookDeliveryPage,
  WebhookEndpointDto,
  WebhookEndpointPage,
  WebhookEndpointWithSecretDto,
} from './dto/webhook-endpoint.dto';
import { type Page, PageQueryDto } from '../common/pagination';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import type { WebhookDeliveryDto } from './dto/webhook-endpoint.dto';

@ApiTags('webhook-endpoints')
@ApiBearerAuth()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  create(
    @CurrentMerchant() merchant: Merchant,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.endpoints.create(merchant.id, body);
  }

  @Get()
  @ApiOkResponse({ type: WebhookEndpointPage })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: PageQueryDto): Promise<Page<WebhookEndpointDto>> {
    return this.endpoints.list(merchant.id, query);
  }

  @Delete(':id')
  @Idempotent()
  @ApiOkResponse({ type: WebhookEndpointDto })
  delete(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<WebhookEndpointDto> {
    return this.endpoints.delete(merchant.id, id);
  }

  @Post(':id/rotate-secret')
  @Idempotent()
  @HttpCode(200)
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  rotateSecret(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<WebhookEndpointWithSecretDto> {
    return this.endpoints.rotateSecret(merchant.id, id);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: WebhookDeliveryPage })
  deliveries(
    @CurrentMerchant() merchant: Merchant,
    @Param('id') id: string,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    return this.endpoints.deliveries(merchant.id, id, query);
  }
}

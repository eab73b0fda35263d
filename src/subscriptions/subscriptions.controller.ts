import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import {
  CancelSubscriptionDto,
  CreateSubscriptionDto,
  SubscriptionView,
  UpdateSubscriptionDto,
} from './dto/subscription.dto';
import { SubscriptionsService } from './subscriptions.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: SubscriptionView })
  create(@CurrentMerchant() merchant: Merchant, @Body() body: CreateSubscriptionDto): Promise<SubscriptionView> {
    return this.subscriptions.create(merchant.id, body);
  }

  @Get(':id')
  @ApiOkResponse({ type: SubscriptionView })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<SubscriptionView> {
    return this.subscriptions.get(merchant.id, id);
  }

  @Post(':id/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOkResponse({ type: SubscriptionView })
  cancel(
    @CurrentMerchant() merchant: Merchant,
    @Param('id') id: string,
    @Body() body: CancelSubscriptionDto,
  ): Promise<SubscriptionView> {
    return this.subscriptions.cancel(merchant.id, id, body);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOkResponse({
    type: SubscriptionView,
    description: 'A new billing key at once, a new plan at the next period, new STC keys (subscription.updated)',
  })
  update(
    @CurrentMerchant() merchant: Merchant,
    @Param('id') id: string,
    @Body() body: UpdateSubscriptionDto,
  ): Promise<SubscriptionView> {
    return this.subscriptions.update(merchant.id, id, body);
  }

  @Post(':id/resume')
  @Idempotent()
  @HttpCode(200)
  @ApiOkResponse({ type: SubscriptionView, description: 'Undoes a cancel at period end (subscription.updated)' })
  resume(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<SubscriptionView> {
    return this.subscriptions.resume(merchant.id, id);
  }
}

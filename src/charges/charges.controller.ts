import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentApiKeyId, CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import {
  CancelChargeDto,
  ChargeListView,
  ChargePageView,
  ChargeView,
  CreateChargeDto,
  ListChargesQueryDto,
  ResolveChargeDto,
} from './dto/charge.dto';
import { ChargesService } from './charges.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('charges')
@ApiBearerAuth()
@Controller('v1')
export class ChargesController {
  constructor(private readonly charges: ChargesService) {}

  @Get('subscriptions/:id/charges')
  @ApiOkResponse({ type: ChargeListView })
  async listForSubscription(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<ChargeListView> {
    return { data: await this.charges.listForSubscription(merchant.id, id) };
  }

  @Post('billing-keys/:id/charges')
  @Idempotent()
  @ApiCreatedResponse({
    type: ChargeView,
    description: 'A customer-present charge; merchantUid must be a Fraudnet reservation',
  })
  create(
    @CurrentMerchant() merchant: Merchant,
    @Param('id') id: string,
    @Body() body: CreateChargeDto,
  ): Promise<ChargeView> {
    return this.charges.createCustomerPresent(merchant.id, id, body);
  }

  @Get('charges')
  @ApiOperation({ summary: 'Charges, newest first (cursor-paginated), by customer, subscription and status' })
  @ApiOkResponse({
    type: ChargePageView,
    description: 'With review=true: charges unresolved after the last look-up (the review queue)',
  })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: ListChargesQueryDto): Promise<ChargePageView> {
    const { review, ...rest } = query;
    return this.charges.list(merchant.id, { ...rest, ...(review === 'true' ? { review: true } : {}) });
  }

  @Get('charges/:id')
  @ApiOkResponse({ type: ChargeView })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<ChargeView> {
    return this.charges.view(merchant.id, id);
  }

  @Post('charges/:id/lookup')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Look a pending or unknown charge up at the PG now (the review queue); recorded with the API key and time',
  })
  @ApiOkResponse({ type: ChargeView, description: 'The charge as the PG answer left it, with reviewAction' })
  lookup(
    @CurrentMerchant() merchant: Merchant,
    @CurrentApiKeyId() apiKeyId: string,
    @Param('id') id: string,
  ): Promise<ChargeView> {
    return this.charges.lookupNow(merchant.id, id, apiKeyId);
  }

  @Post('charges/:id/resolve')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Resolve a charge in review by hand: it takes that status and its subscription moves as if the PG had said so',
    description: '409 CHARGE_NOT_IN_REVIEW for a charge that is not in review. Recorded with the API key and time.',
  })
  @ApiOkResponse({ type: ChargeView, description: 'The resolved charge, with reviewAction' })
  resolve(
    @CurrentMerchant() merchant: Merchant,
    @CurrentApiKeyId() apiKeyId: string,
    @Param('id') id: string,
    @Body() body: ResolveChargeDto,
  ): Promise<ChargeView> {
    return this.charges.resolveReview(merchant.id, id, body, apiKeyId);
  }

  @Post('charges/:id/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOkResponse({
    type: ChargeView,
    description: 'The charge with its cancel history; a cancel the PG has not approved is pending',
  })
  cancel(
    @CurrentMerchant() merchant: Merchant,
    @Param('id') id: string,
    @Body() body: CancelChargeDto,
  ): Promise<ChargeView> {
    return this.charges.cancel(merchant.id, id, body);
  }
}

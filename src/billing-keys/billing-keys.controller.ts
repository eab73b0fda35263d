import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import { BillingKeysService } from './billing-keys.service';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  BillingKeyCompletionDto,
  BillingKeyDto,
  BillingKeyListDto,
  BillingKeyRequestDto,
  CompleteBillingKeyDto,
  CreateBillingKeyDto,
  IssuedBillingKeyDto,
  ListBillingKeysQueryDto,
  UpdateBillingKeyRequestDto,
} from './dto/billing-key.dto';

@ApiTags('billing-keys')
@ApiBearerAuth()
@Controller('v1/billing-keys')
export class BillingKeysController {
  constructor(private readonly keys: BillingKeysService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Start a billing-key issuance: a pending key and the IMP.loadUI request for the frontend' })
  @ApiCreatedResponse({ type: IssuedBillingKeyDto })
  issue(@CurrentMerchant() merchant: Merchant, @Body() body: CreateBillingKeyDto): Promise<IssuedBillingKeyDto> {
    return this.keys.issue(merchant.id, body);
  }

  @Get()
  @ApiOperation({ summary: "A customer's billing keys" })
  @ApiOkResponse({ type: BillingKeyListDto })
  async list(@CurrentMerchant() merchant: Merchant, @Query() query: ListBillingKeysQueryDto): Promise<BillingKeyListDto> {
    return { data: await this.keys.list(merchant.id, query.customerId) };
  }

  @Get(':id')
  @ApiOkResponse({ type: BillingKeyDto })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<BillingKeyDto> {
    return this.keys.view(merchant.id, id);
  }

  @Patch(':id/request')
  @Idempotent()
  @ApiOperation({ summary: 'Change the pending issuance request (for IMP.updateLoadUIRequest)' })
  @ApiOkResponse({ type: BillingKeyRequestDto })
  updateRequest(@CurrentMerchant() merchant: Merchant, @Param('id') id: string, @Body() body: UpdateBillingKeyRequestDto): Promise<BillingKeyRequestDto> {
    return this.keys.updateRequest(merchant.id, id, body);
  }

  @Post(':id/complete')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete an issuance from the loadUI callback pointers; the server re-fetches the payment from the PG' })
  @ApiOkResponse({ type: BillingKeyCompletionDto })
  complete(@CurrentMerchant() merchant: Merchant, @Param('id') id: string, @Body() body: CompleteBillingKeyDto): Promise<BillingKeyCompletionDto> {
    return this.keys.complete(merchant.id, id, body);
  }

  @Delete(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Revoke: never charged again; deleted at the PG (revokedAtGateway says whether the PG confirmed)' })
  @ApiOkResponse({ type: BillingKeyDto })
  revoke(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<BillingKeyDto> {
    return this.keys.revoke(merchant.id, id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentMerchant } from '../auth/auth.decorators';
import { GatewayCredentialsViewDto, PortoneCredentialsDto, TossCredentialsDto } from './dto/gateway-credentials.dto';
import { CreatedMerchantDto, CreateMerchantDto, MerchantDto, UpdateMerchantDto } from './dto/merchant.dto';
import type { Merchant } from './merchant.entity';
import { assertGateway, MerchantsService } from './merchants.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('merchants')
@ApiBearerAuth()
@Controller('v1/merchants')
export class MerchantsController {
  constructor(private readonly merchants: MerchantsService) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a merchant (admin key); the API key is returned once' })
  @ApiCreatedResponse({ type: CreatedMerchantDto })
  create(@Body() body: CreateMerchantDto): Promise<CreatedMerchantDto> {
    return this.merchants.create(body);
  }

  @Get('me')
  @ApiOkResponse({ type: MerchantDto })
  me(@CurrentMerchant() merchant: Merchant): Promise<MerchantDto> {
    return this.merchants.get(merchant.id);
  }

  @Patch('me')
  @Idempotent()
  @ApiOkResponse({ type: MerchantDto })
  update(@CurrentMerchant() merchant: Merchant, @Body() body: UpdateMerchantDto): Promise<MerchantDto> {
    return this.merchants.update(merchant.id, body);
  }

  @Get('me/gateways')
  @ApiOperation({ summary: 'Configured PG credentials, as masked hints' })
  @ApiOkResponse({ type: [GatewayCredentialsViewDto] })
  async gateways(@CurrentMerchant() merchant: Merchant): Promise<{ data: GatewayCredentialsViewDto[] }> {
    return { data: await this.merchants.listGatewayCredentials(merchant.id) };
  }

  @Put('me/gateways/toss-foreign-pay')
  @Idempotent()
  @ApiOperation({ summary: "Store the merchant's Toss (PayPal MID) keys, encrypted; never returned" })
  @ApiOkResponse({ type: GatewayCredentialsViewDto })
  putToss(@CurrentMerchant() merchant: Merchant, @Body() body: TossCredentialsDto): Promise<GatewayCredentialsViewDto> {
    return this.merchants.putGatewayCredentials(merchant.id, 'toss-foreign-pay', body);
  }

  @Put('me/gateways/portone-paypal-rt')
  @Idempotent()
  @ApiOperation({ summary: "Store the merchant's PortOne V1 keys, encrypted; never returned" })
  @ApiOkResponse({ type: GatewayCredentialsViewDto })
  putPortone(@CurrentMerchant() merchant: Merchant, @Body() body: PortoneCredentialsDto): Promise<GatewayCredentialsViewDto> {
    return this.merchants.putGatewayCredentials(merchant.id, 'portone-paypal-rt', body);
  }

  @Put('me/gateways/:gateway')
  @Idempotent()
  @ApiOperation({ summary: 'Any other gateway code is refused with UNSUPPORTED_GATEWAY' })
  putUnknown(@Param('gateway') gateway: string): never {
    assertGateway(gateway);
    throw new Error('unreachable: known gateways have their own route');
  }

  @Delete('me/gateways/:gateway')
  @Idempotent()
  @HttpCode(204)
  async deleteGateway(@CurrentMerchant() merchant: Merchant, @Param('gateway') gateway: string): Promise<void> {
    await this.merchants.deleteGatewayCredentials(merchant.id, gateway);
  }
}

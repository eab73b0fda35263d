import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentMerchant } from '../auth/auth.decorators';
import { GatewayCredentialsViewDto } from './dto/gateway-credentials.dto';
import { CreatedMerchantDto, CreateMerchantDto, MerchantDto, UpdateMerchantDto } from './dto/merchant.dto';
import type { Merchant } from './merchant.entity';
import { MerchantsService } from './merchants.service';
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

  @Put('me/gateways/:gateway')
  @Idempotent()
  @ApiOperation({
    summary: "Store the merchant's credentials for any registered gateway, encrypted; never returned",
    description:
      "Validated by the gateway's own schema (its adapter's checkCredentials); an unknown gateway is 404. Fields per gateway: see docs/adding-a-gateway.md and each gateway's README.",
  })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: { type: 'string' },
      example: { userCode: 'imp12345678', impKey: '…', impSecret: '…' },
    },
  })
  @ApiOkResponse({ type: GatewayCredentialsViewDto })
  putGateway(
    @CurrentMerchant() merchant: Merchant,
    @Param('gateway') gateway: string,
    @Body() body: unknown,
  ): Promise<GatewayCredentialsViewDto> {
    return this.merchants.putGatewayCredentials(merchant.id, gateway, body);
  }

  @Delete('me/gateways/:gateway')
  @Idempotent()
  @HttpCode(204)
  async deleteGateway(@CurrentMerchant() merchant: Merchant, @Param('gateway') gateway: string): Promise<void> {
    await this.merchants.deleteGatewayCredentials(merchant.id, gateway);
  }
}

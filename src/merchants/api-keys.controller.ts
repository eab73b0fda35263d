import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyPageDto, CreatedApiKeyDto, ListApiKeysQueryDto } from './dto/api-key.dto';
import type { Merchant } from './merchant.entity';

@ApiTags('merchants')
@ApiBearerAuth()
@Controller('v1/merchants/me/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create another API key; the key is returned once (only its hash is stored)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@CurrentMerchant() merchant: Merchant): Promise<CreatedApiKeyDto> {
    return this.keys.create(merchant.id);
  }

  @Get()
  @ApiOperation({ summary: 'API keys, newest first, masked, with lastUsedAt (revoked ones included)' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: ListApiKeysQueryDto): Promise<ApiKeyPageDto> {
    return this.keys.list(merchant.id, query);
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key at once; the last active key cannot be revoked (409 LAST_API_KEY)' })
  @ApiNoContentResponse()
  async revoke(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<void> {
    await this.keys.revoke(merchant.id, id);
  }
}

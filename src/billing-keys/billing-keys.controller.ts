import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ClientSecretAllowed,
  CurrentMerchant,
  CurrentPrincipal,
  type Principal,
  Public,
} from '../auth/auth.decorators';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { BillingKeyReturnsService } from './billing-keys.returns';
import type { Merchant } from '../merchants/merchant.entity';
import { BillingKeysService } from './billing-keys.service';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  BillingKeyCompletionDto,
  BillingKeyDto,
  BillingKeyListDto,
  BillingKeyRequestDto,
  POINTER_MAX_FIELDS,
  POINTER_MAX_LENGTH,
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
  @ApiOperation({ summary: 'Billing keys, newest first (cursor-paginated), optionally of one customer' })
  @ApiOkResponse({ type: BillingKeyListDto })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: ListBillingKeysQueryDto): Promise<BillingKeyListDto> {
    return this.keys.list(merchant.id, query);
  }

  @Get(':id')
  @ClientSecretAllowed('billing_key')
  @ApiOkResponse({ type: BillingKeyDto })
  get(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<BillingKeyDto> {
    return this.keys.view(caller.merchantId, id);
  }

  @Patch(':id/request')
  @Idempotent()
  @ClientSecretAllowed('billing_key')
  @ApiOperation({ summary: 'Change the pending issuance request (for IMP.updateLoadUIRequest)' })
  @ApiOkResponse({ type: BillingKeyRequestDto })
  updateRequest(
    @CurrentPrincipal() caller: Principal,
    @Param('id') id: string,
    @Body() body: UpdateBillingKeyRequestDto,
  ): Promise<BillingKeyRequestDto> {
    return this.keys.updateRequest(caller.merchantId, id, body);
  }

  @Post(':id/complete')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Complete an issuance from the gateway's own pointer (PortOne: the loadUI callback's { imp_uid, merchant_uid }); the server re-fetches from the PG",
    description:
      'Redirect-based gateways (billingKeyFlow redirect) complete through GET /v1/billing-keys/{id}/return instead.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: { type: 'string' },
      example: { imp_uid: 'imps_123456789012', merchant_uid: 'bki_3Jd…' },
    },
  })
  @ClientSecretAllowed('billing_key')
  @ApiOkResponse({ type: BillingKeyCompletionDto })
  complete(
    @CurrentPrincipal() caller: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<BillingKeyCompletionDto> {
    return this.keys.complete(caller.merchantId, id, pointerFrom(body, 'body'));
  }

  @Delete(':id')
  @Idempotent()
  @ApiOperation({
    summary: 'Revoke: never charged again; deleted at the PG (revokedAtGateway says whether the PG confirmed)',
  })
  @ApiOkResponse({ type: BillingKeyDto })
  revoke(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<BillingKeyDto> {
    return this.keys.revoke(merchant.id, id);
  }
}

/**
 * Where a redirect-based gateway sends the buyer's browser after a billing-key authorisation (Toss requestBillingAuth's
 * successUrl/failUrl). Unauthenticated: scoped by the key id, the query only a pointer the adapter re-verifies.
 */
@ApiTags('billing-keys')
@Public()
@Controller('v1/billing-keys')
export class BillingKeyReturnsController {
  constructor(private readonly returns: BillingKeyReturnsService) {}

  @Get(':id/return')
  @ApiOperation({
    summary:
      "Redirect-based issuance succeeded at the PG: completes (the PG is asked), then 303 to the creation's successUrl (or failUrl) with billingKeyId and status",
  })
  @ApiResponse({
    status: 303,
    description: 'To successUrl (status active) or failUrl (pending, failed) with billingKeyId and status',
  })
  async return(@Param('id') id: string, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const location = await this.returns.returnFromGateway(id, pointerFrom(query, 'query'));
    if (!location) throw new NotFoundError('Billing key issuance');
    void reply.status(303).header('location', location).send();
  }

  @Get(':id/fail')
  @ApiOperation({
    summary:
      "Redirect-based issuance failed at the PG: 303 to the creation's failUrl with billingKeyId and status (changes nothing: the query cannot be verified)",
  })
  @ApiResponse({ status: 303, description: 'To failUrl with billingKeyId and status' })
  async fail(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const location = await this.returns.failFromGateway(id);
    if (!location) throw new NotFoundError('Billing key issuance');
    void reply.status(303).header('location', location).send();
  }
}

/** A completion pointer: a flat object of at most POINTER_MAX_FIELDS strings, each 1..POINTER_MAX_LENGTH characters. */
function pointerFrom(raw: unknown, where: 'body' | 'query'): Record<string, string> {
  const fail = (message: string): never => {
    throw new DomainError('VALIDATION_FAILED', message, [{ field: where, errors: [message] }]);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fail(`the ${where} must be an object of the gateway's pointer fields`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0 && where === 'body')
    fail("the body must carry the gateway's pointer (PortOne: imp_uid, merchant_uid)");
  if (entries.length > POINTER_MAX_FIELDS) fail(`at most ${POINTER_MAX_FIELDS} pointer fields`);
  for (const [k, v] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(k)) fail('pointer field names are letters, digits and _');
    if (typeof v !== 'string' || v.length === 0 || v.length > POINTER_MAX_LENGTH)
      fail(`${k} must be a string of 1-${POINTER_MAX_LENGTH} characters`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

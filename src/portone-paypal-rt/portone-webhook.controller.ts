import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { DomainError } from '../common/errors/domain.error';
import { PortoneWebhookService } from './portone-webhook.service';

class PortoneWebhookBodyDto {
  @ApiProperty({ example: 'imps_123456789012' }) imp_uid: string;
  @ApiProperty({ example: 'bki_3Jd…' }) merchant_uid: string;
  @ApiProperty({ description: 'Informational only: never applied, the payment is re-fetched', example: 'paid' }) status: string;
}

class WebhookAckDto {
  @ApiProperty({ example: true }) received: boolean;
}

// PortOne sends every merchant's webhooks from three addresses: the per-address API throttle would turn a busy
// merchant's notifications away. The service limits re-fetches per merchant instead.
@ApiTags('webhooks')
@SkipThrottle()
@Controller('v1/webhooks/portone')
export class PortoneWebhookController {
  constructor(private readonly webhooks: PortoneWebhookService) {}

  /**
   * Unauthenticated (PortOne does not sign): the body is a pointer; the answer is the same 200 whatever it pointed at,
   * or 503 while the merchant's re-fetch budget is spent (the pointer is then kept for the reconciler).
   */
  @Post(':merchantId')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'PortOne V1 webhook (unsigned pointer; the payment is re-fetched from PortOne, never trusted)' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: PortoneWebhookBodyDto })
  @ApiOkResponse({ type: WebhookAckDto })
  async receive(
    @Param('merchantId') merchantId: string,
    @Body() body: Record<string, unknown>,
    @Headers() headers: Record<string, string | string[] | undefined>,
  ): Promise<WebhookAckDto> {
    const disposition = await this.webhooks.receive(merchantId, body, headers);
    // The budget was spent: kept for the reconciler (or refused by the cap); PortOne is asked to retry either way.
    if (disposition === 'rate_limited' || disposition === 'over_cap') throw new DomainError('PORTONE_WEBHOOK_RETRY', 'Too many webhooks for this merchant; retry later');
    return { received: true };
  }
}

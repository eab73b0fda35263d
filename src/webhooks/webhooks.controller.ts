import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GatewayRegistry, UnknownGatewayError } from '@app/pg-contract';
import { Public } from '../auth/auth.decorators';
import { NotFoundError } from '../common/errors/domain.error';
import { WebhookReceivers } from './webhook-receivers';

/**
 * Every gateway's webhooks, unauthenticated (PGs sign nothing we rely on): `{gateway}` is a registered code or one of
 * its descriptor's `webhookAliases` (the v1 paths), and the delivery goes to that gateway's receiver, which treats the
 * body as a pointer to re-fetch. Not under the per-address API throttle: a PG sends every merchant's webhooks from a
 * few addresses; the receivers bound the re-fetches per merchant instead (503 while the budget is spent).
 */
@ApiTags('webhooks')
@Public()
@SkipThrottle()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly registry: GatewayRegistry,
    private readonly receivers: WebhookReceivers,
  ) {}

  @Post(':gateway/:merchantId')
  @HttpCode(200)
  @ApiOperation({
    summary: "A gateway's webhook for one merchant (a pointer: the payment is re-fetched from the PG, never trusted)",
    description:
      'The v1 paths stay as aliases: /v1/webhooks/portone/{merchantId} (PortOne V1, JSON or form) and /v1/webhooks/toss/{merchantId} (Toss event body).',
  })
  @ApiParam({
    name: 'gateway',
    description: 'A registered gateway code (GET /v1/gateways) or a v1 alias (portone, toss)',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', additionalProperties: true } })
  @ApiOkResponse({ description: 'Received (whatever it pointed at)' })
  @ApiResponse({
    status: 503,
    description: 'Retry later: the re-fetch budget is spent (the pointer is kept for the reconciler)',
  })
  async receive(
    @Param('gateway') segment: string,
    @Param('merchantId') merchantId: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string | string[] | undefined>,
  ): Promise<unknown> {
    const receiver = this.receiverFor(segment);
    return receiver.receive(merchantId, { body, headers });
  }

  private receiverFor(segment: string) {
    try {
      const receiver = this.receivers.for(this.registry.forWebhookSegment(segment).descriptor.code);
      if (receiver) return receiver;
    } catch (err) {
      if (!(err instanceof UnknownGatewayError)) throw err;
    }
    throw new NotFoundError('Webhook endpoint');
  }
}

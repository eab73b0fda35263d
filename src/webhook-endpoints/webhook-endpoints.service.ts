import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { SecretBox } from '../common/crypto/secret-box';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { appConfig, type AppConfig } from '../config/configuration';
import { SECRET_BOX } from '../merchants/merchants.service';
import type {
  CreateWebhookEndpointDto,
  ListDeliveriesQueryDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
  WebhookEndpointWithSecretDto,
} from './dto/webhook-endpoint.dto';
import type { WebhookDelivery } from './webhook-delivery.entity';
import type { WebhookEndpoint } from './webhook-endpoint.entity';
import { type Page, type PageQueryDto, pageParams, toPage } from '../common/pagination';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { checkUrlShape, hostOf, resolveAllowed, type Resolver, UrlRefused } from './webhook-url.policy';

/** Endpoints per merchant: each event is one delivery per matching endpoint. */
export const MAX_ENDPOINTS_PER_MERCHANT = 16;
/** Resolves endpoint host names at creation (overridable in tests). */
export const WEBHOOK_RESOLVER = Symbol('WEBHOOK_RESOLVER');

/** The associated data binding a sealed secret to its endpoint row (a copied ciphertext does not open elsewhere). */
export function endpointSecretAad(e: Pick<WebhookEndpoint, 'merchantId' | 'id'>): string {
  return `webhook_endpoint:${e.merchantId}:${e.id}`;
}

@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly repo: WebhookEndpointsRepository,
    private readonly clock: Clock,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(WEBHOOK_RESOLVER) private readonly resolver: Resolver,
  ) {}

  async create(merchantId: string, input: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretDto> {
    const url = await this.checkUrl(input.url);
    if ((await this.repo.count(merchantId)) >= MAX_ENDPOINTS_PER_MERCHANT)
      throw new DomainError(
        'WEBHOOK_ENDPOINT_LIMIT_REACHED',
        `At most ${MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints per merchant`,
      );
    const now = this.clock.now();
    const secret = newSecret();
    const id = newId('we');
    const row = await this.repo.insert({
      id,
      merchantId,
      url,
      events: input.events ?? ['*'],
      secretSealed: this.box.seal(secret, endpointSecretAad({ merchantId, id })),
      createdAt: now,
      updatedAt: now,
    });
    return { ...toEndpointDto(row), secret };
  }

  async list(merchantId: string, query: PageQueryDto): Promise<Page<WebhookEndpointDto>> {
    const { limit, after } = pageParams(query);
    return toPage(await this.repo.pageEndpoints(merchantId, limit, after), limit, toEndpointDto);
  }

  async delete(merchantId: string, id: string): Promise<WebhookEndpointDto> {
    const endpoint = await this.require(merchantId, id);
    if (!(await this.repo.delete(merchantId, id))) throw new NotFoundError('Webhook endpoint');
    return toEndpointDto(endpoint);
  }

  /** A new secret at once: deliveries from now on are signed with it (the old one stops verifying). */
  async rotateSecret(merchantId: string, id: string): Promise<WebhookEndpointWithSecretDto> {
    const endpoint = await this.require(merchantId, id);
    const secret = newSecret();
    const sealed = this.box.seal(secret, endpointSecretAad(endpoint));
    if (!(await this.repo.updateSecret(merchantId, id, sealed, this.clock.now())))
      throw new NotFoundError('Webhook endpoint');
    return { ...toEndpointDto(endpoint), secret };
  }

  async deliveries(merchantId: string, id: string, query: ListDeliveriesQueryDto): Promise<Page<WebhookDeliveryDto>> {
    await this.require(merchantId, id);
    const { limit, after } = pageParams(query);
    const rows = await this.repo.pageDeliveries(merchantId, id, { limit, after, status: query.status });
    return toPage(rows, limit, toDeliveryDto);
  }

  private async require(merchantId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.repo.find(merchantId, id);
    if (!endpoint) throw new NotFoundError('Webhook endpoint');
    return endpoint;
  }

  /** Shape and, in production, where it points (literal addresses and every address the name resolves to). */
  private async checkUrl(raw: string): Promise<string> {
    const policy = { production: this.app.production };
    try {
      const url = checkUrlShape(raw, policy);
      if (policy.production) await resolveAllowed(hostOf(url), policy, this.resolver);
      return url.toString();
    } catch (err) {
      if (!(err instanceof UrlRefused)) throw err;
      throw new DomainError('WEBHOOK_URL_FORBIDDEN', `url: ${err.message}`, [{ field: 'url', errors: [err.message] }]);
    }
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function toEndpointDto(e: WebhookEndpoint): WebhookEndpointDto {
  return { id: e.id, url: e.url, events: e.events, createdAt: new Date(e.createdAt).toISOString() };
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toDeliveryDto(d: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    objectId: d.objectId,
    sequence: d.sequence,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    lastAttemptAt: iso(d.lastAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    deliveredAt: iso(d.deliveredAt),
    createdAt: new Date(d.createdAt).toISOString(),
  };
}

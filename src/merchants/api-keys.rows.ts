import { generateApiKey } from '../common/crypto/api-key';
import { newId } from '../common/ids';
import type { ApiKey } from './api-key.entity';
import type { ApiKeyDto } from './dto/api-key.dto';

/** A new key row and the key itself (returned once, never stored). */
export function newApiKeyRow(merchantId: string, now: Date): ApiKey & { plain: string } {
  const { key, hash, prefix } = generateApiKey();
  return {
    id: newId('key'),
    merchantId,
    keyHash: hash,
    prefix,
    last4: key.slice(-4),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    plain: key,
  };
}

export function toApiKeyDto(k: ApiKey): ApiKeyDto {
  return {
    id: k.id,
    hint: `${k.prefix}…${k.last4 ?? ''}`,
    createdAt: new Date(k.createdAt).toISOString(),
    lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : null,
    revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
  };
}

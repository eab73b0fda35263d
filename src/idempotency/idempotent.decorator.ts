import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Marks a mutating merchant route as taking an `Idempotency-Key` (and documents the header in OpenAPI). Per route
 * rather than global: a global interceptor would put every request, reads included, through an rxjs pipeline.
 * test/idempotency.e2e-spec.ts fails if a mutating merchant route lacks it.
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 printable ASCII characters. The same key and request replay the first response while the key is kept (IDEMPOTENCY_TTL_SECONDS); the same key with another request is 409 IDEMPOTENCY_KEY_REUSED.',
    }),
  );

import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  NestInterceptor,
  Optional,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, Observable, of, throwError } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { DomainError, ReplayedErrorResponse, statusOf } from '../common/errors/domain.error';
import { SECRET_BOX, type SecretBox } from '../common/crypto/secret-box';
import { IdempotencyService } from './idempotency.service';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Response fields a resource returns once and keeps only hashed or sealed (a billing key's `clientSecret`, a new
 * `apiKey`, a webhook endpoint's signing `secret`). The replay store keeps them sealed (AES-256-GCM with the secrets
 * key, bound to the merchant and the key), so a replay still answers the first response while the database never holds
 * them in clear.
 */
const ONCE_ONLY_FIELDS = ['clientSecret', 'apiKey', 'secret'] as const;
const SEALED = '$sealed';

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
    @Optional() @Inject(SECRET_BOX) private readonly box?: SecretBox,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { merchant?: { id: string } }>();
    const key = request.headers['idempotency-key'];
    // Merchant-scoped mutating calls only: admin and public routes have their own dedup (or none needed).
    if (typeof key !== 'string' || !MUTATING.has(request.method) || !request.merchant) return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const successStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);

    return from(this.idempotency.claim(request.merchant.id, key, request.method, request.url, request.body)).pipe(
      mergeMap((claim) => {
        if (claim.kind === 'replay') {
          void reply.header('idempotent-replayed', 'true');
          if (claim.response.status >= 400)
            return throwError(() => new ReplayedErrorResponse(claim.response.status, claim.response.body));
          return of(this.unseal(claim.response.body, `${request.merchant!.id}:${key}`));
        }
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await this.idempotency.complete(claim.id, {
              status: successStatus,
              body: this.seal(body, `${request.merchant!.id}:${key}`),
            });
            return body;
          }),
          catchError((err: unknown) => from(this.onError(claim.id, err)).pipe(mergeMap(() => throwError(() => err)))),
        );
      }),
    );
  }

  private seal(body: unknown, aad: string): unknown {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
    const fields = ONCE_ONLY_FIELDS.filter((f) => typeof (body as Record<string, unknown>)[f] === 'string');
    if (fields.length === 0) return body;
    const copy = { ...(body as Record<string, unknown>) };
    // Without the secrets box (never in the app) the field is dropped rather than stored in clear.
    for (const f of fields) {
      if (this.box) copy[f] = { [SEALED]: this.box.seal(copy[f] as string, `idempotency:${aad}:${f}`) };
      else delete copy[f];
    }
    return copy;
  }

  private unseal(body: unknown, aad: string): unknown {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !this.box) return body;
    const copy = { ...(body as Record<string, unknown>) };
    for (const f of ONCE_ONLY_FIELDS) {
      const v = copy[f] as Record<string, unknown> | undefined;
      if (v && typeof v === 'object' && typeof v[SEALED] === 'string')
        copy[f] = this.box.open(v[SEALED] as string, `idempotency:${aad}:${f}`);
    }
    return copy;
  }

  /** A definite business refusal is replayed like a success; anything that may succeed on retry frees the key. */
  private async onError(id: string, err: unknown): Promise<void> {
    if (err instanceof DomainError && err.code !== 'VALIDATION_FAILED' && statusOf(err) < 500) {
      const status = statusOf(err);
      await this.idempotency.complete(id, {
        status,
        body: {
          statusCode: status,
          code: err.code,
          message: err.message,
          ...(err.details ? { details: err.details } : {}),
        },
      });
      return;
    }
    await this.idempotency.release(id);
  }
}

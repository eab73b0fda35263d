import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, Observable, of, throwError } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { DomainError, ReplayedErrorResponse, statusOf } from '../common/errors/domain.error';
import { IdempotencyService } from './idempotency.service';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);


@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
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
          if (claim.response.status >= 400) return throwError(() => new ReplayedErrorResponse(claim.response.status, claim.response.body));
          return of(claim.response.body);
        }
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await this.idempotency.complete(claim.id, { status: successStatus, body });
            return body;
          }),
          catchError((err: unknown) => from(this.onError(claim.id, err)).pipe(mergeMap(() => throwError(() => err)))),
        );
      }),
    );
  }

  /** A definite business refusal is replayed like a success; anything that may succeed on retry frees the key. */
  private async onError(id: string, err: unknown): Promise<void> {
    if (err instanceof DomainError && err.code !== 'VALIDATION_FAILED' && statusOf(err) < 500) {
      const status = statusOf(err);
      await this.idempotency.complete(id, { status, body: { statusCode: status, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
      return;
    }
    await this.idempotency.release(id);
  }
}

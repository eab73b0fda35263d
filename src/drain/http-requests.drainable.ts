import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Drainable } from './drainable';
import { DrainService } from './drain.service';

/**
 * HTTP requests in flight, as a drainable: the drain waits for them before Nest destroys the modules, because the PG
 * clients close their sockets then and a request still calling a PG would have its call cut (an UNKNOWN charge).
 * Fastify's close afterwards answers new requests 503 and waits for the rest.
 */
export class HttpRequestsDrainable implements Drainable {
  readonly drainName = 'http';
  private inFlight = 0;
  private idle?: () => void;

  started(): void {
    this.inFlight++;
  }

  finished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.idle?.();
  }

  drain(deadline: AbortSignal): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
      deadline.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

/** Counts every request from arrival to response (or abort) and registers the count with the drain. */
export function drainHttpRequests(app: NestFastifyApplication): HttpRequestsDrainable {
  const requests = new HttpRequestsDrainable();
  app.get(DrainService).register(requests);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (_request, _reply, done) => {
    requests.started();
    done();
  });
  fastify.addHook('onResponse', (_request, _reply, done) => {
    requests.finished();
    done();
  });
  fastify.addHook('onRequestAbort', (_request, done) => {
    requests.finished();
    done();
  });
  return requests;
}

import type { LookupFunction, Socket } from 'node:net';
import { closedPort, sendJson, startFakeHttpServer, startRawServer, newHttpService } from '../test/fake-http.server';
import { PgHttpTransport, type PgHttpOutcome, type PgHttpRequest } from './pg-http.transport';

// A lookup that never answers: the socket stays in its connecting phase, like a SYN that is never acknowledged.
const hangingLookup: LookupFunction = () => undefined;
const failingLookup: LookupFunction = (hostname, _options, callback) => {
  const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  (callback as (e: NodeJS.ErrnoException) => void)(err);
};

function request(url: string, extra: Partial<PgHttpRequest> = {}): PgHttpRequest {
  return { method: 'GET', url, headers: {}, connectTimeoutMs: 1_000, responseTimeoutMs: 1_000, ...extra };
}

/** Minimal HTTP/1.1 request framing for raw servers: calls `onRequest` once per complete request on the socket. */
function onRawRequests(socket: Socket, onRequest: (index: number) => void): void {
  let buffered = '';
  let index = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      onRequest(index++);
    }
  });
}

describe('PgHttpTransport', () => {
  const transports: PgHttpTransport[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  const make = (options: ConstructorParameters<typeof PgHttpTransport>[1] = {}) => {
    const t = new PgHttpTransport(newHttpService(), options);
    transports.push(t);
    return t;
  };
  afterEach(async () => {
    transports.splice(0).forEach((t) => t.close());
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const track = <S extends { close(): Promise<void> }>(s: S): S => {
    servers.push(s);
    return s;
  };

  describe('not_sent: the request certainly never reached the server', () => {
    it('a port with nothing listening is not_sent (connection_refused)', async () => {
      const port = await closedPort();
      const out = await make().send(request(`http://127.0.0.1:${port}/x`));
      expect(out).toEqual({ kind: 'not_sent', reason: 'connection_refused', detail: 'ECONNREFUSED' });
    });

    it('a connect that never completes is not_sent (connect_timeout), even with a long response timeout', async () => {
      const started = Date.now();
      const out = await make({ lookup: hangingLookup }).send(
        request('http://pg.invalid/x', { connectTimeoutMs: 100, responseTimeoutMs: 60_000 }),
      );
      expect(out).toMatchObject({ kind: 'not_sent', reason: 'connect_timeout' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('a DNS failure is not_sent (dns_failure)', async () => {
      const out = await make({ lookup: failingLookup }).send(request('http://pg.invalid/x'));
      expect(out).toMatchObject({ kind: 'not_sent', reason: 'dns_failure', detail: 'ENOTFOUND' });
    });

    it.each(['not a url', 'ftp://127.0.0.1/x', ''])('an invalid URL %p is not_sent (invalid_url)', async (url) => {
      expect(await make().send(request(url))).toMatchObject({ kind: 'not_sent', reason: 'invalid_url' });
    });

    it('an already aborted signal is not_sent (aborted) and opens no connection', async () => {
      const server = track(await startFakeHttpServer((_req, res) => sendJson(res, 200, {})));
      const ac = new AbortController();
      ac.abort();
      const out = await make().send(request(`${server.origin}/x`, { signal: ac.signal }));
      expect(out).toMatchObject({ kind: 'not_sent', reason: 'aborted' });
      expect(server.connections()).toBe(0);
    });

    it('an abort while still connecting is not_sent (aborted)', async () => {
      const ac = new AbortController();
      // The caller gives up while the name is being resolved: the lookup itself aborts, then never answers.
      const abortingLookup: LookupFunction = () => ac.abort();
      const out = await make({ lookup: abortingLookup }).send(
        request('http://pg.invalid/x', { connectTimeoutMs: 10_000, signal: ac.signal }),
      );
      expect(out).toMatchObject({ kind: 'not_sent', reason: 'aborted' });
    });
  });

  describe('unknown: the request may have reached the server', () => {
    it('a server that accepts and never answers is unknown (response_timeout), not not_sent', async () => {
      let received = '';
      const raw = track(
        await startRawServer((socket) => socket.on('data', (c: Buffer) => (received += c.toString('latin1')))),
      );
      const out = await make().send(
        request(`http://127.0.0.1:${raw.port}/x`, {
          method: 'POST',
          body: '{"charge":1}',
          connectTimeoutMs: 1_000,
          responseTimeoutMs: 150,
        }),
      );
      expect(out).toMatchObject({ kind: 'unknown', reason: 'response_timeout' });
      // Which is why it must be unknown: the server holds the whole request and may act on it.
      expect(received).toContain('POST /x HTTP/1.1');
      expect(received).toContain('{"charge":1}');
    });

    it('the response timeout starts once connected: a slow answer within it succeeds despite a short connect timeout', async () => {
      // Real time on purpose: the transport's deadlines are socket timers, and the answer must come after the first.
      const server = track(
        await startFakeHttpServer((_req, res) => setTimeout(() => sendJson(res, 200, { ok: 1 }), 150)),
      );
      const out = await make().send(request(`${server.origin}/x`, { connectTimeoutMs: 50, responseTimeoutMs: 2_000 }));
      expect(out).toEqual({ kind: 'response', httpStatus: 200, body: '{"ok":1}' });
    });

    it('a connection reset after the request was read is unknown (connection_reset)', async () => {
      const raw = track(await startRawServer((socket) => onRawRequests(socket, () => socket.resetAndDestroy())));
      const out = await make().send(request(`http://127.0.0.1:${raw.port}/x`, { method: 'POST', body: '{"a":1}' }));
      expect(out).toMatchObject({ kind: 'unknown', reason: 'connection_reset' });
    });

    it('a caller abort after sending is unknown (aborted_after_send)', async () => {
      const ac = new AbortController();
      // Aborted once the server holds the request: it was sent, so the outcome cannot be not_sent.
      const raw = track(await startRawServer((socket) => socket.on('data', () => ac.abort())));
      const out = await make().send(
        request(`http://127.0.0.1:${raw.port}/x`, {
          method: 'POST',
          body: '{}',
          responseTimeoutMs: 10_000,
          signal: ac.signal,
        }),
      );
      expect(out).toMatchObject({ kind: 'unknown', reason: 'aborted_after_send' });
    });

    it('an answer larger than the limit is unknown (invalid_response)', async () => {
      const server = track(await startFakeHttpServer((_req, res) => sendJson(res, 200, { blob: 'x'.repeat(10_000) })));
      const out = await make({ maxResponseBytes: 1_000 }).send(request(`${server.origin}/x`));
      expect(out).toMatchObject({ kind: 'unknown', reason: 'invalid_response' });
    });
  });

  describe("the exchange itself (our adapter in place of axios's http adapter)", () => {
    it('an answer cut short mid-body is unknown (connection_reset), never a response', async () => {
      const raw = track(
        await startRawServer((socket) =>
          onRawRequests(socket, () => {
            socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"code":0,');
            // A real gap, so the client has read the partial body before the socket goes away.
            setTimeout(() => socket.destroy(), 20);
          }),
        ),
      );
      const out = await make().send(request(`http://127.0.0.1:${raw.port}/x`, { method: 'POST', body: '{}' }));
      expect(out).toMatchObject({ kind: 'unknown', reason: 'connection_reset' });
    });

    it('sends the body with its byte length and reads a multi-byte answer split across packets intact', async () => {
      const answer = Buffer.from('{"name":"정기결제 — 월간 ✓"}', 'utf8');
      let received = '';
      const raw = track(
        await startRawServer((socket) => {
          let buffered = Buffer.alloc(0);
          socket.on('data', (chunk: Buffer) => {
            buffered = Buffer.concat([buffered, chunk]);
            const text = buffered.toString('utf8');
            const end = text.indexOf('\r\n\r\n');
            const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? -1);
            if (end < 0 || buffered.length < Buffer.byteLength(text.slice(0, end + 4)) + length) return;
            received = buffered.subarray(Buffer.byteLength(text.slice(0, end + 4))).toString('utf8');
            socket.write(
              `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n`,
            );
            // Split inside the first Hangul character's three bytes, in separate packets.
            socket.write(answer.subarray(0, 10));
            setTimeout(() => socket.write(answer.subarray(10)), 20);
          });
        }),
      );
      const body = '{"buyer_name":"홍길동"}';
      const out = await make().send(
        request(`http://127.0.0.1:${raw.port}/x`, {
          method: 'POST',
          body,
          headers: { 'Content-Type': 'application/json' },
        }),
      );
      expect(out).toEqual({ kind: 'response', httpStatus: 200, body: answer.toString('utf8') });
      expect(received).toBe(body);
    });

    it("sends the caller's headers and our defaults, and the axios instance's interceptors still run", async () => {
      const server = track(await startFakeHttpServer((_req, res) => sendJson(res, 201, { ok: true })));
      const service = newHttpService();
      service.axiosRef.interceptors.request.use((config) => {
        config.headers.set('X-Trace', 'trace-1');
        // An interceptor may rewrite the URL (a proxy prefix, say): the request goes where it says.
        config.url = config.url!.replace('/v1/x', '/proxied/v1/x');
        return config;
      });
      const seen: number[] = [];
      service.axiosRef.interceptors.response.use((res) => {
        seen.push(res.status);
        return res;
      });
      const t = new PgHttpTransport(service);
      transports.push(t);
      const out = await t.send(
        request(`${server.origin}/v1/x?y=1`, {
          method: 'POST',
          body: '{"a":1}',
          headers: { Authorization: 'Bearer t' },
        }),
      );
      expect(out).toEqual({ kind: 'response', httpStatus: 201, body: '{"ok":true}' });
      expect(seen).toEqual([201]);
      expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/proxied/v1/x?y=1', body: '{"a":1}' });
      expect(server.requests[0].headers).toMatchObject({
        authorization: 'Bearer t',
        accept: 'application/json',
        'accept-encoding': 'identity',
        'user-agent': 'paypal-billing-pg-client',
        'x-trace': 'trace-1',
        'content-length': '7',
      });
    });
  });

  describe("with or without axios's core", () => {
    it("with no interceptor (none, or only ejected ones) the exchange runs without axios's core, with the same request on the wire", async () => {
      const server = track(await startFakeHttpServer((_req, res) => sendJson(res, 200, { ok: true })));
      const plain = newHttpService();
      const ejected = newHttpService();
      ejected.axiosRef.interceptors.request.eject(ejected.axiosRef.interceptors.request.use((c) => c));
      const traced = newHttpService();
      traced.axiosRef.interceptors.request.use((c) => c);
      const spies = [plain, ejected, traced].map((s) => jest.spyOn(s.axiosRef, 'request'));
      for (const service of [plain, ejected, traced]) {
        const t = new PgHttpTransport(service);
        transports.push(t);
        const out = await t.send(
          request(`${server.origin}/v1/x`, {
            method: 'POST',
            body: '{"a":"é"}',
            headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
          }),
        );
        expect(out).toEqual({ kind: 'response', httpStatus: 200, body: '{"ok":true}' });
      }
      expect(spies.map((s) => s.mock.calls.length)).toEqual([0, 0, 1]);
      // The request as the PG sees it is the same whichever way it went.
      const wire = server.requests.map((r) => ({
        method: r.method,
        url: r.url,
        body: r.body,
        headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'connection' && k !== 'host')),
      }));
      expect(wire[0]).toEqual({
        method: 'POST',
        url: '/v1/x',
        body: '{"a":"é"}',
        headers: {
          accept: 'application/json',
          'accept-encoding': 'identity',
          'user-agent': 'paypal-billing-pg-client',
          authorization: 'Bearer t',
          'content-type': 'application/json',
          'content-length': '10',
        },
      });
      expect(wire[1]).toEqual(wire[0]);
      expect(wire[2]).toEqual(wire[0]);
    });

    it('through axios (an interceptor registered) failures are classified as without it', async () => {
      const withInterceptor = (options: ConstructorParameters<typeof PgHttpTransport>[1] = {}) => {
        const service = newHttpService();
        service.axiosRef.interceptors.response.use((r) => r);
        const t = new PgHttpTransport(service, options);
        transports.push(t);
        return t;
      };
      const port = await closedPort();
      expect(await withInterceptor().send(request(`http://127.0.0.1:${port}/x`))).toEqual({
        kind: 'not_sent',
        reason: 'connection_refused',
        detail: 'ECONNREFUSED',
      });
      expect(
        await withInterceptor({ lookup: hangingLookup }).send(
          request('http://pg.invalid/x', { connectTimeoutMs: 100 }),
        ),
      ).toMatchObject({ kind: 'not_sent', reason: 'connect_timeout' });
      const silent = track(await startRawServer(() => undefined));
      expect(
        await withInterceptor().send(
          request(`http://127.0.0.1:${silent.port}/x`, { method: 'POST', body: '{}', responseTimeoutMs: 150 }),
        ),
      ).toMatchObject({ kind: 'unknown', reason: 'response_timeout' });
      const reset = track(await startRawServer((socket) => onRawRequests(socket, () => socket.resetAndDestroy())));
      expect(
        await withInterceptor().send(request(`http://127.0.0.1:${reset.port}/x`, { method: 'POST', body: '{}' })),
      ).toMatchObject({ kind: 'unknown', reason: 'connection_reset' });
      const big = track(await startFakeHttpServer((_req, res) => sendJson(res, 200, { blob: 'x'.repeat(10_000) })));
      expect(await withInterceptor({ maxResponseBytes: 1_000 }).send(request(`${big.origin}/x`))).toMatchObject({
        kind: 'unknown',
        reason: 'invalid_response',
      });
    });
  });

  describe('keep-alive', () => {
    it('reuses one connection for sequential calls', async () => {
      const server = track(await startFakeHttpServer((_req, res) => sendJson(res, 200, { ok: true })));
      const t = make();
      for (let i = 0; i < 5; i++)
        expect(await t.send(request(`${server.origin}/x`))).toMatchObject({ kind: 'response', httpStatus: 200 });
      expect(server.requests).toHaveLength(5);
      expect(server.connections()).toBe(1);
    });

    // The server answers the first request on a connection, then resets the connection when the next one arrives:
    // what a server that silently dropped an idle keep-alive connection looks like from the client.
    const staleAfterFirst = (socket: Socket) =>
      onRawRequests(socket, (index) => {
        if (index === 0)
          socket.write(
            'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}',
          );
        else socket.resetAndDestroy();
      });

    it('resends a GET once on a fresh connection when a pooled socket turns out dead', async () => {
      const raw = track(await startRawServer(staleAfterFirst));
      const t = make();
      const url = `http://127.0.0.1:${raw.port}/x`;
      expect(await t.send(request(url))).toMatchObject({ kind: 'response', httpStatus: 200 });
      expect(await t.send(request(url))).toMatchObject({ kind: 'response', httpStatus: 200 });
      expect(raw.connections()).toBe(2);
    });

    it('never resends a POST on a dead pooled socket: the outcome is unknown', async () => {
      const raw = track(await startRawServer(staleAfterFirst));
      const t = make();
      const url = `http://127.0.0.1:${raw.port}/x`;
      expect(await t.send(request(url, { method: 'POST', body: '{}' }))).toMatchObject({ kind: 'response' });
      const second: PgHttpOutcome = await t.send(request(url, { method: 'POST', body: '{}' }));
      expect(second).toMatchObject({ kind: 'unknown', reason: 'connection_reset' });
      expect(raw.connections()).toBe(1);
    });
  });

  it('never puts request headers (credentials) into an outcome', async () => {
    const secret = 'Basic c2VjcmV0LWtleS1kby1ub3QtbGVhazo=';
    const raw = track(await startRawServer((socket) => onRawRequests(socket, () => socket.resetAndDestroy())));
    const port = await closedPort();
    const outcomes = await Promise.all([
      make().send(request(`http://127.0.0.1:${raw.port}/x`, { headers: { Authorization: secret } })),
      make().send(request(`http://127.0.0.1:${port}/x`, { headers: { Authorization: secret } })),
      make({ lookup: hangingLookup }).send(
        request('http://pg.invalid/x', { headers: { Authorization: secret }, connectTimeoutMs: 50 }),
      ),
      make().send(request(`http://127.0.0.1:${port}/x`, { headers: { Authorization: 'bad\r\nvalue' } })),
    ]);
    for (const out of outcomes) {
      expect(out.kind).not.toBe('response');
      expect(JSON.stringify(out)).not.toContain('c2VjcmV0');
      expect(JSON.stringify(out)).not.toContain('bad');
    }
    expect(outcomes[3]).toMatchObject({ kind: 'not_sent' });
  });
});

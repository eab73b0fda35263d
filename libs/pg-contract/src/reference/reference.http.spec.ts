import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './reference.http';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
async function closedPortUrl(): Promise<string> {
  const s = await serve(() => undefined);
  await s.close();
  return s.url;
}

const SECRET = 'sbx_secret_do-not-leak';

describe('sendJson', () => {
  it('returns the answer and its JSON, sending the body as JSON', async () => {
    let received = '';
    const s = await serve((req, res) => {
      req.on('data', (c: Buffer) => (received += c.toString()));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 0, got: req.headers['content-type'] }));
      });
    });
    try {
      const r = await sendJson({ method: 'POST', url: s.url, body: { amount: 10.5 }, timeoutMs: 2000 });
      expect(r).toEqual({ kind: 'answer', httpStatus: 201, json: { code: 0, got: 'application/json' } });
      expect(received).toBe('{"amount":10.5}');
    } finally {
      await s.close();
    }
  });

  it('keeps a non-JSON answer as an answer without JSON', async () => {
    const s = await serve((_req, res) => res.end('<html>bad gateway</html>'));
    try {
      expect(await sendJson({ method: 'GET', url: s.url, timeoutMs: 2000 })).toEqual({ kind: 'answer', httpStatus: 200, json: undefined });
    } finally {
      await s.close();
    }
  });

  it('calls a refused connection NOT_SENT: nothing could reach the PG', async () => {
    const r = await sendJson({ method: 'POST', url: await closedPortUrl(), body: {}, timeoutMs: 2000 });
    expect(r).toMatchObject({ kind: 'not_sent', code: 'ECONNREFUSED' });
  });

  it('calls a connection dropped after sending UNKNOWN', async () => {
    const s = await serve((req) => req.on('data', () => req.socket.destroy()));
    try {
      expect(await sendJson({ method: 'POST', url: s.url, body: { a: 1 }, timeoutMs: 2000 })).toMatchObject({ kind: 'unknown', reason: 'connection' });
    } finally {
      await s.close();
    }
  });

  it('calls a missing answer UNKNOWN after the timeout', async () => {
    const s = await serve(() => undefined);
    try {
      const started = performance.now();
      expect(await sendJson({ method: 'POST', url: s.url, body: {}, timeoutMs: 150 })).toEqual({ kind: 'unknown', reason: 'timeout', message: 'no answer before the timeout' });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await s.close();
    }
  });

  it('calls a caller abort NOT_SENT before sending and UNKNOWN after', async () => {
    const s = await serve(() => undefined);
    try {
      expect(await sendJson({ method: 'POST', url: s.url, body: {}, timeoutMs: 2000, signal: AbortSignal.abort() })).toMatchObject({ kind: 'not_sent', code: 'ABORTED' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      expect(await sendJson({ method: 'POST', url: s.url, body: {}, timeoutMs: 2000, signal: controller.signal })).toMatchObject({ kind: 'unknown', reason: 'connection' });
    } finally {
      await s.close();
    }
  });

  it('never copies headers or body into a result', async () => {
    const s = await serve((req) => req.socket.destroy());
    try {
      const r = await sendJson({ method: 'POST', url: s.url, headers: { authorization: `Bearer ${SECRET}` }, body: { imp_secret: SECRET }, timeoutMs: 2000 });
      expect(JSON.stringify(r)).not.toContain(SECRET);
    } finally {
      await s.close();
    }
  });
});

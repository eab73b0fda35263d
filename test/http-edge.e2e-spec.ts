import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

/**
 * Slow and greedy clients against the real server, with raw sockets and deadlines shortened for the test. Another
 * client address is 127.0.0.2: on Linux the whole of 127/8 is loopback, so a socket can be bound to it.
 */

interface Raw {
  socket: Socket;
  /** Everything the server sent, and when the socket closed (ms since open). */
  closed: Promise<{ data: string; afterMs: number }>;
}

async function open(t: TestApp, localAddress = '127.0.0.1'): Promise<Raw> {
  const started = performance.now();
  const socket = connect({ port: Number(new URL(t.url).port), host: '127.0.0.1', localAddress });
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString('utf8')));
  socket.on('error', () => undefined); // a reset is one of the outcomes under test
  const closed = new Promise<{ data: string; afterMs: number }>((resolve) =>
    socket.once('close', () => resolve({ data, afterMs: performance.now() - started })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed };
}

/** Resolves with what `closed` gives, or with null when the socket is still open after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Drips `chunk` every `everyMs` until the socket closes. */
function trickle(raw: Raw, chunk: string, everyMs: number): void {
  const timer = setInterval(() => (raw.socket.writable ? raw.socket.write(chunk) : clearInterval(timer)), everyMs);
  void raw.closed.then(() => clearInterval(timer));
}

function getFrom(
  t: TestApp,
  path: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${t.url}${path}`, { localAddress, headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const parsedLogs = (t: TestApp) =>
  t.logs
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('HTTP edge: deadlines and minimum body rate (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      LOG_LEVEL: 'debug',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '8000',
      HTTP_MIN_BODY_RATE_BPS: '100',
      HTTP_BODY_RATE_GRACE_MS: '500',
    });
  });
  afterAll(() => t.close());

  it('cuts a trickling body with a 408 in our error body soon after the grace period, and closes the socket', async () => {
    const raw = await open(t);
    raw.socket.write(
      'POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    trickle(raw, ' ', 200); // 5 bytes/s against a floor of 100
    const result = await within(raw.closed, 6_000);
    expect(result).not.toBeNull();
    expect(result!.afterMs).toBeLessThan(3_000); // well before the 8 s request deadline
    expect(result!.data).toMatch(/^HTTP\/1\.1 408 /);
    expect(result!.data).toMatch(/connection: close/i);
    const body = JSON.parse(result!.data.slice(result!.data.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 408, code: 'REQUEST_TIMEOUT' });
    expect(typeof body.requestId).toBe('string');
  });

  it('lets a body through that arrives above the floor', async () => {
    const res = await t.http().post('/v1/customers').send({ email: 'a@example.com' });
    expect(res.status).toBe(401); // parsed, then refused for want of a key: not cut
  });

  it('cuts a client that trickles its headers at the header deadline', async () => {
    const raw = await open(t);
    raw.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    trickle(raw, 'X-Slow: y\r\n', 150);
    const result = await within(raw.closed, 6_000);
    expect(result).not.toBeNull();
    expect(result!.afterMs).toBeLessThan(2_500); // 1 s deadline, checked every 250 ms
    expect(result!.data).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a socket that never sends a byte at the header deadline', async () => {
    const raw = await open(t);
    const result = await within(raw.closed, 6_000);
    expect(result).not.toBeNull();
    expect(result!.afterMs).toBeLessThan(2_500);
  });

  it('logs a request whose client went away at debug, with no error and no stack', async () => {
    // The server has the request once Node has parsed its head (Fastify's own listener runs first).
    const seen = new Set<string>();
    const server = t.app.getHttpServer();
    const onRequest = (req: IncomingMessage) => seen.add(String(req.headers['x-request-id']));
    server.on('request', onRequest);
    const raw = await open(t);
    raw.socket.write(
      'POST /v1/customers HTTP/1.1\r\nHost: x\r\nX-Request-Id: abort-probe-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    expect(await waitFor(() => seen.has('abort-probe-1'), { intervalMs: 5 })).toBe(true);
    server.off('request', onRequest);
    raw.socket.destroy();
    await raw.closed;
    const probeLines = () =>
      parsedLogs(t).filter((l) => l.requestId === 'abort-probe-1' || JSON.stringify(l).includes('abort-probe-1'));
    await waitFor(() => probeLines().some((l) => l.msg === 'request aborted by client'));
    const lines = probeLines();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => (l.level as number) <= 20)).toBe(true);
    expect(lines.some((l) => l.msg === 'request aborted by client')).toBe(true);
    expect(parsedLogs(t).filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});

describe('HTTP edge: connections per client address (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: '4',
      HTTP_HEADERS_TIMEOUT_MS: '20000',
      HTTP_REQUEST_TIMEOUT_MS: '30000',
    });
  });
  afterAll(() => t.close());

  it('refuses the (cap+1)th concurrent connection from one address while another address is served', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => open(t)));
    for (const h of held) h.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n'); // headers never finished
    const extra = await open(t);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const refused = await within(extra.closed, 2_000);
    expect(refused).not.toBeNull();
    expect(refused!.data).toBe(''); // closed before any request is read
    expect(await getFrom(t, '/health', '127.0.0.2')).toBe(200);
    // A slot freed is a slot reusable.
    held[0].socket.destroy();
    await held[0].closed;
    // The server learns of the close a moment later; then the freed slot serves a new socket.
    expect(await waitFor(async () => (await getFrom(t, '/health', '127.0.0.1').catch(() => 0)) === 200)).toBe(true);
    for (const h of held) h.socket.destroy();
  });
});

describe('HTTP edge: behind a trusted proxy the cap applies to the forwarded client (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      TRUST_PROXY: '127.0.0.1',
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: '2',
      HTTP_MIN_BODY_RATE_BPS: '0',
    });
  });
  afterAll(() => t.close());

  it('caps requests in flight per X-Forwarded-For client, not the proxy’s sockets', async () => {
    const stuck = async (client: string) => {
      const raw = await open(t);
      raw.socket.write(
        `POST /v1/customers HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ${client}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{`,
      );
      return raw;
    };
    const held = [await stuck('203.0.113.7'), await stuck('203.0.113.7')];
    // The proxy (127.0.0.1) has more sockets open than the cap, and they are served; once the two stuck requests are
    // in flight, the client's next one is refused.
    let third = await t.http().get('/health').set('x-forwarded-for', '203.0.113.7');
    await waitFor(
      async () => (third = await t.http().get('/health').set('x-forwarded-for', '203.0.113.7')).status === 429,
    );
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_CONNECTIONS' });
    expect((await t.http().get('/health').set('x-forwarded-for', '203.0.113.8')).status).toBe(200);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    expect(
      await waitFor(async () => (await t.http().get('/health').set('x-forwarded-for', '203.0.113.7')).status === 200),
    ).toBe(true);
  });
});

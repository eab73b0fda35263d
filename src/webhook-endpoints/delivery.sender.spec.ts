import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliverySender } from './delivery.sender';
import { verifyBillingSignature } from './verify-signature';
import type { Resolver } from './webhook-url.policy';

describe('DeliverySender', () => {
  let server: Server;
  let port: number;
  let answer: (req: IncomingMessage) => { status: number; delayMs?: number };
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const a = answer(req);
        const reply = () => res.writeHead(a.status).end('ok');
        if (a.delayMs) setTimeout(reply, a.delayMs);
        else reply();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (received.length = 0));

  it('POSTs the body with our headers and reports a 2xx', async () => {
    answer = () => ({ status: 204 });
    const sender = new DeliverySender({ production: false }, 2000, 4);
    await expect(
      sender.send(`http://127.0.0.1:${port}/hook`, '{"a":1}', { 'billing-event-id': 'evt_1' }),
    ).resolves.toEqual({ statusCode: 204 });
    expect(received[0].body).toBe('{"a":1}');
    expect(received[0].headers['billing-event-id']).toBe('evt_1');
    expect(received[0].headers['content-type']).toBe('application/json');
    sender.close();
  });

  it('signs with the wall-clock time of the POST', async () => {
    answer = () => ({ status: 200 });
    const sender = new DeliverySender({ production: false }, 2000, 4);
    await sender.send(`http://127.0.0.1:${port}/hook`, '{"b":2}', {}, 'whsec_s');
    const header = received[0].headers['billing-signature'] as string;
    expect(verifyBillingSignature(received[0].body, header, 'whsec_s', { toleranceSeconds: 5 }).ok).toBe(true);
    expect(verifyBillingSignature(received[0].body, header, 'whsec_other').ok).toBe(false);
    sender.close();
  });

  it('reports a non-2xx and a deadline as errors', async () => {
    const sender = new DeliverySender({ production: false }, 200, 4);
    answer = () => ({ status: 500 });
    await expect(sender.send(`http://127.0.0.1:${port}/`, '{}', {})).resolves.toEqual({
      statusCode: 500,
      error: 'HTTP 500',
    });
    answer = () => ({ status: 200, delayMs: 1000 });
    await expect(sender.send(`http://127.0.0.1:${port}/`, '{}', {})).resolves.toEqual({
      statusCode: null,
      error: 'timed out',
    });
    sender.close();
  });

  it('connects to the address it checked, not to a second DNS answer', async () => {
    answer = () => ({ status: 200 });
    let calls = 0;
    // First answer loopback (allowed outside production), any later one somewhere else: only one is ever asked.
    const resolver: Resolver = () =>
      Promise.resolve([{ address: calls++ === 0 ? '127.0.0.1' : '203.0.113.9', family: 4 }]);
    const sender = new DeliverySender({ production: false }, 2000, 4, resolver);
    await expect(sender.send(`http://receiver.test:${port}/`, '{}', {})).resolves.toEqual({ statusCode: 200 });
    expect(calls).toBe(1);
    expect(received[0].headers.host).toBe(`receiver.test:${port}`);
    sender.close();
  });

  it('in production refuses http and private addresses without connecting', async () => {
    answer = () => ({ status: 200 });
    const sender = new DeliverySender({ production: true }, 2000, 4, () =>
      Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    );
    await expect(sender.send(`http://127.0.0.1:${port}/`, '{}', {})).resolves.toEqual({
      statusCode: null,
      error: 'refused: only https URLs',
    });
    await expect(sender.send(`https://rebind.example:${port}/`, '{}', {})).resolves.toEqual({
      statusCode: null,
      error: 'refused: the host name resolves to an address that is not public',
    });
    expect(received).toHaveLength(0);
    sender.close();
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST as it reached the receiver: raw body (as signed), headers, and what the receiver answered. */
export interface ReceivedDelivery {
  rawBody: string;
  headers: IncomingHttpHeaders;
  status: number;
  event: { id: string; type: string; objectId: string; sequence: number; [k: string]: unknown };
}

/** A merchant's endpoint in the test: a real HTTP server that records every POST and answers as told. */
export interface EventReceiver {
  url: string;
  received: ReceivedDelivery[];
  /** Answered with a 2xx, in arrival order. */
  accepted(): ReceivedDelivery[];
  /** POSTs whose body has arrived, answered or not (see `hold`). */
  arrivals: number;
  /** While set, answers wait for it (a POST held in flight). */
  hold?: Promise<void>;
  /** What to answer a POST (default 200); called after the body is read. */
  answer: (d: Omit<ReceivedDelivery, 'status'>) => number;
  close(): Promise<void>;
}

export async function startEventReceiver(path = '/billing-events'): Promise<EventReceiver> {
  const receiver: EventReceiver = {
    url: '',
    received: [],
    accepted: () => receiver.received.filter((d) => d.status >= 200 && d.status < 300),
    arrivals: 0,
    answer: () => 200,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let event: ReceivedDelivery['event'];
      try {
        event = JSON.parse(rawBody) as ReceivedDelivery['event'];
      } catch {
        res.writeHead(400).end();
        return;
      }
      receiver.arrivals++;
      void (receiver.hold ?? Promise.resolve()).then(() => {
        const status = receiver.answer({ rawBody, headers: req.headers, event });
        receiver.received.push({ rawBody, headers: req.headers, event, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  server.keepAliveTimeout = 1000;
  return receiver;
}

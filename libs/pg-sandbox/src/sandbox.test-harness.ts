import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pgSandboxPlugin, type PgSandboxOptions } from './sandbox.plugin';
import { createPgSandbox, type PgSandbox } from './sandbox';

/**
 * Test helpers over real HTTP: a sandbox on 127.0.0.1:0 and a webhook receiver. Used by this library's specs; other
 * suites may use them too (they need nothing but Fastify and Node).
 */

/** A running sandbox server. */
export interface RunningSandbox {
  app: FastifyInstance;
  sandbox: PgSandbox;
  /** `http://127.0.0.1:<port>/sandbox` */
  base: string;
  close(): Promise<void>;
}

/** Starts a sandbox server on an ephemeral port. */
export async function startSandbox(options: PgSandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = options.sandbox ?? createPgSandbox(options);
  // Close every connection on close: a keep-alive connection the client opened but never used counts as busy.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    sandbox,
    base: `http://127.0.0.1:${port}/sandbox`,
    close: async () => {
      await app.close();
      sandbox.close();
    },
  };
}

/** A webhook request as the receiver saw it. */
export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** A local HTTP server recording what it receives; answers each POST with the next status of `statuses` (then 200). */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Statuses to answer with, in order; once used up every answer is 200. */
  statuses: number[];
  /** Milliseconds to wait before answering (to test timeouts). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    statuses: [],
    delayMs: 0,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        body = Object.fromEntries(new URLSearchParams(raw));
      } else {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          body = {};
        }
      }
      receiver.received.push({ headers: req.headers, raw, body });
      const status = receiver.statuses.shift() ?? 200;
      const answer = () => {
        res.statusCode = status;
        res.end('ok');
      };
      if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** An HTTP answer with its body parsed as JSON (or left as text). */
export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** fetch() with a JSON body (or a form body with `form: true`), parsed answer. */
export async function call<T = any>(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown; form?: boolean } = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.body !== undefined) {
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.body as Record<string, string>).toString();
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Toss's `Authorization` header value for a secret key. */
export function basicAuth(secretKey: string): string {
  return `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
}

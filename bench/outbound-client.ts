/**
 * What one outbound PG call costs in CPU, by client: Node's http with a keep-alive agent, axios (the client
 * @nestjs/axios wraps, with the options our transport sets), and our PgHttpTransport over @nestjs/axios (as deployed,
 * and with an interceptor registered, which puts axios's core back on the path). A local
 * server answers a PortOne-sized JSON body; 32 calls in flight; the figure is the process's CPU (client and server
 * together, the server's share being the same for every client) per call.
 *
 *   ts-node bench/outbound-client.ts [--calls 20000]
 */
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PgHttpTransport } from '../libs/pg-http/src/pg-http.transport';
import { arg } from './lib/args';
import { fmt, median, table } from './lib/stats';

const ANSWER =
  '{"code":0,"message":null,"response":{"imp_uid":"imps_1","merchant_uid":"m","status":"paid","amount":19.99,"currency":"USD","pg_provider":"paypal_v2"}}';
const BODY = JSON.stringify({
  customer_uid: 'cu_1',
  merchant_uid: 'sub_1-c2-a1',
  amount: 19.99,
  currency: 'USD',
  name: 'Pro',
  buyer_name: 'cus_1',
});

async function cpuPerCall(call: () => Promise<unknown>, calls: number): Promise<number> {
  const run = async (n: number) => {
    let i = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (i++ < n) await call();
      }),
    );
  };
  await run(Math.min(3000, calls)); // warm-up (JIT, sockets)
  const c0 = process.cpuUsage();
  await run(calls);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / calls;
}

async function main(): Promise<void> {
  const calls = Number(arg('calls', '20000'));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.setHeader('content-type', 'application/json').end(ANSWER));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subscribe/payments/again`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 60_000 });
  const transport = new PgHttpTransport(new HttpService(axios.create() as never));
  // With an interceptor on the instance the transport goes through axios's core (see PgHttpTransport.attempt).
  const intercepted = axios.create();
  intercepted.interceptors.request.use((c) => c);
  const throughAxios = new PgHttpTransport(new HttpService(intercepted as never));
  const clients: Record<string, () => Promise<unknown>> = {
    'node:http, keep-alive agent': () =>
      new Promise((ok, fail) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            let body = '';
            res
              .setEncoding('utf8')
              .on('data', (d: string) => (body += d))
              .on('end', () => ok(body));
          },
        );
        req.on('error', fail).end(BODY);
      }),
    'axios (maxRedirects 0, no decompress, text)': () =>
      axios.request({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        data: BODY,
        httpAgent: agent,
        maxRedirects: 0,
        decompress: false,
        proxy: false,
        responseType: 'text',
        transformRequest: [(d: unknown) => d],
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
      }),
    'PgHttpTransport over @nestjs/axios (ours)': () =>
      transport.send({
        url,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'token' },
        body: BODY,
        connectTimeoutMs: 5_000,
        responseTimeoutMs: 10_000,
      }),
    'PgHttpTransport, an axios interceptor registered': () =>
      throughAxios.send({
        url,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'token' },
        body: BODY,
        connectTimeoutMs: 5_000,
        responseTimeoutMs: 10_000,
      }),
  };
  const rows: string[][] = [];
  let base = 0;
  for (const [name, call] of Object.entries(clients)) {
    const samples = [];
    for (let r = 0; r < 3; r++) samples.push(await cpuPerCall(call, calls));
    const us = median(samples);
    base ||= us;
    rows.push([name, fmt(us, 0), fmt(us / base, 2)]);
    process.stderr.write(`${name}: ${samples.map((s) => fmt(s, 0)).join(', ')} µs\n`);
  }
  process.stdout.write(`${table(['client', 'CPU µs per call (median of 3)', 'against node:http'], rows)}\n`);
  transport.close();
  throughAxios.close();
  agent.destroy();
  server.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

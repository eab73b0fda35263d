/**
 * The measured limit of a billing run on this machine: the same PG traffic with nothing else. N `POST
 * /subscribe/payments/again` calls through CONCURRENCY chained slots against the same sandbox process (the same body
 * shape the app sends, STC included, with its own notice_url), and a bare node:http server acknowledging the webhook
 * the sandbox sends for each of them. No framework, no database, no intents, no results: what is left of the run's
 * time is the latency, the sandbox and the two processes' sockets. Runs are timed from the first call to the last
 * answer (the webhooks are acknowledged as they come, as the app does; the run does not wait for them).
 *
 *   SANDBOX_URL=http://…/sandbox ACCOUNT=<sandbox account> KEYS=cu_a,cu_b N=1000 CONCURRENCY=64 RUNS=5 WARMUPS=10 \
 *     ts-node bench/bare-billing.client.ts
 *
 * Prints one `bare-run {json}` line per run (warm-ups included, flagged), then `bare-billing done`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sandboxPortoneKeys } from '../libs/pg-sandbox/src/sandbox.credentials';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const base = new URL(env('SANDBOX_URL'));
const keys = env('KEYS').split(',');
const n = Number(env('N'));
const concurrency = Number(env('CONCURRENCY'));
const runs = Number(env('RUNS'));
const warmups = Number(process.env.WARMUPS ?? '0');
// The app's transport keeps its sockets the same way (keep-alive, LIFO reuse).
const agent = new http.Agent({
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 64,
  scheduling: 'lifo',
  keepAliveMsecs: 60_000,
});

function post(path: string, body: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: `${base.pathname}/portone${path}`,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  let webhooks = 0;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      webhooks++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  const noticeUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;

  const { impKey, impSecret } = sandboxPortoneKeys(env('ACCOUNT'));
  const tokenRes = await post('/users/getToken', JSON.stringify({ imp_key: impKey, imp_secret: impSecret }));
  const token = (JSON.parse(tokenRes.body) as { response?: { access_token?: string } }).response?.access_token;
  if (tokenRes.status !== 200 || !token) throw new Error(`getToken: ${tokenRes.status} ${tokenRes.body}`);

  // What the app's adapter sends for a recommended-STC merchant (buyer fields, notice_url, bypass as a JSON string).
  const stc = [
    ['sender_account_id', 'cus_0123456789abcdef'],
    ['sender_first_name', 'Bench'],
    ['sender_last_name', 'Buyer'],
    ['sender_email', 'buyer@example.com'],
    ['sender_phone', '4155550100'],
    ['sender_country_code', 'US'],
    ['sender_create_date', '2024-01-01T00:00:00Z'],
  ].map(([key, value]) => ({ key, value }));
  const bypass = JSON.stringify({ paypal_v2: { additional_data: stc } });
  const body = (uid: string, i: number) =>
    JSON.stringify({
      customer_uid: keys[i % keys.length],
      merchant_uid: uid,
      currency: 'USD',
      amount: 19.99,
      name: 'Daily',
      buyer_email: 'buyer@example.com',
      buyer_name: 'Bench Buyer',
      buyer_tel: '+14155550100',
      notice_url: noticeUrl,
      bypass,
    });

  for (let r = 0; r < warmups + runs; r++) {
    const cpu0 = process.cpuUsage();
    const hooks0 = webhooks;
    let next = 0;
    let paid = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < n; i = next++) {
          const res = await post('/subscribe/payments/again', body(`bare_${process.pid}_${r}_${i}`, i), token);
          const answer = JSON.parse(res.body) as { code?: number; response?: { status?: string } };
          if (res.status === 200 && answer.code === 0 && answer.response?.status === 'paid') paid++;
        }
      }),
    );
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (paid !== n) throw new Error(`run ${r + 1}: ${paid} of ${n} paid`);
    process.stdout.write(
      `bare-run ${JSON.stringify({ warmup: r < warmups, wallS, cpuS: (cpu.user + cpu.system) / 1e6, webhooksDuringRun: webhooks - hooks0 })}\n`,
    );
  }
  process.stdout.write('bare-billing done\n');
  agent.destroy();
  receiver.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import { DataSource } from 'typeorm';
import { verifyBillingSignature } from '../src/webhook-endpoints/verify-signature';
import { WebhookDelivery } from '../src/webhook-endpoints/webhook-delivery.entity';
import { startEventReceiver, type EventReceiver } from './helpers/event-receiver';
import { instanceEnv } from './helpers/instances';
import { logEntries, startAppProcess, type AppProcess } from './helpers/multi-process';
import { writeEvents } from './helpers/outbox';
import { createMerchant, freePort, startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

const OBJECTS = 100;
const EVENTS_PER_OBJECT = 5;
const TOTAL = OBJECTS * EVENTS_PER_OBJECT;
const LEASE_MS = 3000;
const CONCURRENCY = 8;

/**
 * Two app processes deliver one outbox to one endpoint; one is SIGKILLed mid-delivery. A receiver that deduplicates
 * by event id must see every event, each object's in sequence order, and duplicates only of deliveries the killed
 * instance had claimed (sent, or about to be, and not recorded). PostgreSQL only: SQLite is single-instance.
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('event delivery on several instances (PostgreSQL only)', () => {
  let t: TestApp;
  let receiver: EventReceiver;
  const procs: AppProcess[] = [];
  jest.setTimeout(110_000);

  beforeAll(async () => {
    // The in-process app owns the schema and writes the events; its own worker stays off.
    t = await startTestApp({ EVENT_DELIVERY_ENABLED: 'false' });
    receiver = await startEventReceiver();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await receiver?.close();
    await t?.close();
  });

  it(`delivers ${TOTAL} events with one of two instances killed mid-delivery: none lost, in order`, async () => {
    const m = await createMerchant(t);
    const ep = await t
      .http()
      .post('/v1/webhook-endpoints')
      .set({ authorization: `Bearer ${m.apiKey}`, 'idempotency-key': 'ep-1' })
      .send({ url: receiver.url });
    expect(ep.status).toBe(201);
    const secret = ep.body.secret as string;
    const written = [];
    for (let s = 0; s < EVENTS_PER_OBJECT; s++)
      written.push(
        ...(await writeEvents(
          t,
          m.id,
          Array.from({ length: OBJECTS }, (_, i) => ({ type: 'subscription.updated', objectId: `sub_k${i}` })),
        )),
      );
    // The billing scheduler stays off: only delivery runs (the sandbox URLs are then never called).
    const env = (port: number) =>
      instanceEnv(port, `${t.url}/sandbox`, {
        SCHEDULER_ENABLED: 'false',
        EVENT_DELIVERY_ENABLED: 'true',
        EVENT_DELIVERY_POLL_MS: '50',
        EVENT_DELIVERY_LEASE_MS: String(LEASE_MS),
        EVENT_DELIVERY_CONCURRENCY: String(CONCURRENCY),
        EVENT_DELIVERY_BATCH_SIZE: '50',
        EVENT_DELIVERY_TIMEOUT_MS: '2000',
      });
    const [pa, pb] = await Promise.all([freePort(), freePort()]);
    procs.push(
      ...(await Promise.all([startAppProcess('instance-a', pa, env(pa)), startAppProcess('instance-b', pb, env(pb))])),
    );
    const [a] = procs;
    const started = Date.now();
    // The log line may reach the pipe after READY (pino writes asynchronously).
    expect(await waitFor(() => logEntries(a, 'event delivery worker started').length > 0)).toBe(true);
    const ownerA = logEntries(a, 'event delivery worker started')[0].owner as string;

    const ds = t.app.get(DataSource);
    const delivered = () => ds.getRepository(WebhookDelivery).countBy({ status: 'delivered' });
    const heldBy = (owner: string) =>
      ds.getRepository(WebhookDelivery).countBy({ leaseOwner: owner, status: 'pending' });
    // Kill A while it holds claims, once a fair share is out.
    let heldByA = 0;
    expect(
      await waitFor(
        async () => {
          if (new Set(receiver.accepted().map((d) => d.event.id)).size < TOTAL / 5) return false;
          heldByA = await heldBy(ownerA);
          return heldByA > 0;
        },
        { timeoutMs: 60_000, intervalMs: 5 },
      ),
    ).toBe(true);
    await a.kill();
    const atKill = receiver.received.length;

    expect(await waitFor(async () => (await delivered()) === TOTAL, { timeoutMs: 60_000, intervalMs: 100 })).toBe(true);

    const accepted = receiver.accepted();
    const unique = new Set(accepted.map((d) => d.event.id));
    expect(unique).toEqual(new Set(written.map((e) => e.id)));
    for (const d of accepted)
      expect(verifyBillingSignature(d.rawBody, d.headers['billing-signature'] as string, secret).ok).toBe(true);
    // Duplicates are only the at-least-once kind: at most what A had claimed when it died.
    const duplicates = accepted.length - unique.size;
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    // In order per object, by first receipt.
    const firstSeen = new Map<string, number[]>();
    const seenIds = new Set<string>();
    for (const d of accepted) {
      if (seenIds.has(d.event.id)) continue;
      seenIds.add(d.event.id);
      firstSeen.set(d.event.objectId, [...(firstSeen.get(d.event.objectId) ?? []), d.event.sequence]);
    }
    for (const sequences of firstSeen.values()) expect(sequences).toEqual([1, 2, 3, 4, 5]);
    // B took over after A's death (it delivered what came after the kill).
    expect(receiver.received.length).toBeGreaterThan(atKill);
    process.stdout.write(
      `event delivery, 2 instances: ${TOTAL} events in ${Date.now() - started} ms, A killed holding ${heldByA} ` +
        `claims, ${duplicates} duplicate(s)\n`,
    );
  });
});

import type { GatewayRegistry } from '@app/pg-contract';
import type { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { ChargesService } from '../charges/charges.service';
import type { Clock } from '../clock/clock';
import type { PgConfig } from '../config/configuration';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { PortoneClient } from '@app/portone-client';
import { PortonePaypalRtAdapter } from './portone-paypal-rt.adapter';
import { PortoneWebhookService } from './portone-webhook.service';
import { pointerId, type PointerToKeep, type WebhookInboxRepository } from '../webhook-inbox/webhook-inbox.repository';

// Strict mocks: any call not set up here throws.
const strict = <T extends object>(impl: object): T =>
  new Proxy(impl, {
    get: (target, prop) => {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call: ${String(prop)}`);
    },
  }) as T;

/** The kept pointers, in memory, with the repository's semantics (dedup by id, cap by count). */
function fakeInbox() {
  const rows = new Map<string, PointerToKeep & { id: string; attempts: number; nextAttemptAt: Date }>();
  const inbox = {
    rows,
    keep: jest.fn(async (batch: readonly PointerToKeep[], due: Date) => {
      for (const r of batch)
        if (!rows.has(pointerId(r)))
          rows.set(pointerId(r), { ...r, id: pointerId(r), attempts: 0, nextAttemptAt: due });
    }),
    atCap: jest.fn((_m: string, _g: string, _now: Date) => false),
    keepCapped: jest.fn(async (r: PointerToKeep, cap: number, due: Date) => {
      if (rows.has(pointerId(r))) return true;
      if ([...rows.values()].filter((x) => x.merchantId === r.merchantId).length >= cap) return false;
      await inbox.keep([r], due);
      return true;
    }),
    removeKept: jest.fn(async (batch: readonly PointerToKeep[]) => batch.forEach((r) => rows.delete(pointerId(r)))),
    remove: jest.fn(async (ids: readonly string[]) => ids.forEach((id) => rows.delete(id))),
    reschedule: jest.fn(async (id: string, attempts: number, next: Date) =>
      Object.assign(rows.get(id)!, { attempts, nextAttemptAt: next }),
    ),
    due: jest.fn(async (_g: string, now: Date) => [...rows.values()].filter((r) => r.nextAttemptAt <= now)),
  };
  return inbox;
}

function setup(limit = 3, windowMs = 60_000, cap = 1000) {
  let now = Date.parse('2026-03-01T12:00:00Z');
  // parseWebhook is pure: the real adapter, with a client that is never called.
  const adapter = new PortonePaypalRtAdapter(strict<PortoneClient>({}));
  const registry = { require: jest.fn(() => adapter) };
  const merchants = {
    require: jest.fn(async (id: string) => (id.startsWith('mch_') ? { id } : Promise.reject(new Error('not found')))),
  };
  const billingKeys = {
    applyNotification: jest.fn(async () => 'not_a_billing_key' as const),
    completeIssuanceByReference: jest.fn(
      async (_m: string, _ref: string, mayCall: () => boolean) =>
        (mayCall() ? 'applied' : 'deferred') as 'applied' | 'deferred',
    ),
    isIssuance: jest.fn(async (_m: string, ref: string) => ref.startsWith('bki_')),
  };
  const charges = {
    handleGatewayNotifications: jest.fn(async (_gateway: string, refs: readonly unknown[], _concurrency: number) =>
      refs.map(() => 'applied' as 'applied' | 'unknown_reference' | 'error'),
    ),
    // Our charges: every reference but the made-up ones a forger invents.
    isChargeOf: jest.fn(async (_m: string, ref: string) => !ref.startsWith('made_up')),
  };
  const metrics = { counter: jest.fn(() => ({ inc: jest.fn() })) };
  const inbox = fakeInbox();
  const service = new PortoneWebhookService(
    strict<GatewayRegistry>(registry),
    strict<MerchantsService>(merchants),
    strict<BillingKeysService>(billingKeys),
    strict<ChargesService>(charges),
    strict<Clock>({ now: () => new Date(now) }),
    { portoneWebhookRefetchLimit: limit, portoneWebhookWindowMs: windowMs, webhookPointerCap: cap } as PgConfig,
    strict<MetricsService>(metrics),
    strict<WebhookInboxRepository>(inbox),
  );
  const body = (i: number | string, status = 'paid', ref = `ref_${i}`) => ({
    imp_uid: `imps_${i}`,
    merchant_uid: ref,
    status,
  });
  return { service, billingKeys, charges, merchants, inbox, body, advance: (ms: number) => (now += ms) };
}

describe('PortoneWebhookService', () => {
  it('hands a charge pointer to the charges’ batched apply, without asking billing keys', async () => {
    const s = setup();
    await expect(s.service.receive('mch_1', s.body(1), {})).resolves.toBe('accepted');
    await s.service.drain();
    expect(s.billingKeys.applyNotification).not.toHaveBeenCalled();
    expect(s.charges.handleGatewayNotifications).toHaveBeenCalledWith(
      'portone-paypal-rt',
      [{ merchantId: 'mch_1', reference: 'ref_1', gatewayPaymentId: 'imps_1' }],
      16,
    );
  });

  it.each([
    ['a full cancel (status cancelled)', { status: 'cancelled' }],
    ['a partial cancel (status stays paid, a cancellation_id)', { status: 'paid', cancellation_id: 'cncl_1' }],
  ])('tells charges a refund was announced: %s', async (_, fields) => {
    const s = setup();
    await expect(s.service.receive('mch_1', { imp_uid: 'imps_9', merchant_uid: 'ref_9', ...fields }, {})).resolves.toBe(
      'accepted',
    );
    await s.service.drain();
    expect(s.charges.handleGatewayNotifications).toHaveBeenCalledWith(
      'portone-paypal-rt',
      [{ merchantId: 'mch_1', reference: 'ref_9', gatewayPaymentId: 'imps_9', refundNoticed: true }],
      16,
    );
  });

  it('tries billing keys first for an issuance reference, and hands it to charges when it is not a key', async () => {
    const s = setup();
    s.billingKeys.applyNotification.mockResolvedValueOnce('applied' as never);
    await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {});
    await s.service.receive('mch_1', s.body(2, 'paid', 'bki_2'), {});
    await s.service.drain();
    expect(s.billingKeys.applyNotification).toHaveBeenCalledWith('mch_1', 'portone-paypal-rt', {
      reference: 'bki_1',
      gatewayPaymentId: 'imps_1',
    });
    expect(s.billingKeys.applyNotification).toHaveBeenCalledWith('mch_1', 'portone-paypal-rt', {
      reference: 'bki_2',
      gatewayPaymentId: 'imps_2',
    });
    // bki_1 was a key (applied there); bki_2 was not.
    expect(s.charges.handleGatewayNotifications).toHaveBeenCalledTimes(1);
    expect(s.charges.handleGatewayNotifications.mock.calls[0][1]).toEqual([
      { merchantId: 'mch_1', reference: 'bki_2', gatewayPaymentId: 'imps_2' },
    ]);
  });

  it('applies billing-key issuances at most 16 at a time (queued, every one applied)', async () => {
    const s = setup(1000);
    let running = 0;
    let peak = 0;
    s.billingKeys.applyNotification.mockImplementation(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return 'applied' as never;
    });
    // A concurrent burst (each delivery waits a turn for the INSERT that keeps it).
    const got = await Promise.all(
      Array.from({ length: 50 }, (_, i) => s.service.receive('mch_1', s.body(i, 'paid', `bki_${i}`), {})),
    );
    expect(new Set(got)).toEqual(new Set(['accepted']));
    await s.service.drain();
    expect(s.billingKeys.applyNotification).toHaveBeenCalledTimes(50);
    expect(peak).toBe(16);
  });

  it('applies a burst of charge pointers in batches of at most 500 (one look-up query each), one batch at a time, every pointer once', async () => {
    const s = setup(5000);
    let running = 0;
    let peak = 0;
    s.charges.handleGatewayNotifications.mockImplementation(async (_g, refs) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return refs.map(() => 'applied' as const);
    });
    // A burst arrives concurrently (each delivery now waits a turn for the INSERT that keeps it, shared by the burst).
    const got = await Promise.all(Array.from({ length: 1200 }, (_, i) => s.service.receive('mch_1', s.body(i), {})));
    expect(new Set(got)).toEqual(new Set(['accepted']));
    await s.service.drain();
    const sizes = s.charges.handleGatewayNotifications.mock.calls.map((c) => c[1].length);
    expect(sizes).toEqual([500, 500, 200]);
    expect(peak).toBe(1);
    const refs = s.charges.handleGatewayNotifications.mock.calls.flatMap((c) =>
      c[1].map((r) => (r as { reference: string }).reference),
    );
    expect(new Set(refs).size).toBe(1200);
  });

  describe('gathering a burst (fake timers: real-time waits)', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    it('applies the pointers of a burst together once it has passed (one look-up query)', async () => {
      const s = setup(1000);
      // 1 ms apart, as the deliveries of a billing run's answers come: never quiet long enough to apply.
      for (const i of [1, 2, 3, 4]) {
        await s.service.receive('mch_1', s.body(i), {});
        await jest.advanceTimersByTimeAsync(1);
      }
      expect(s.charges.handleGatewayNotifications).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(5);
      await s.service.drain();
      expect(s.charges.handleGatewayNotifications).toHaveBeenCalledTimes(1);
      expect(s.charges.handleGatewayNotifications.mock.calls[0][1]).toHaveLength(4);
    });

    it('a steady stream is still applied as it goes, not only once it stops', async () => {
      const s = setup(1000);
      for (let i = 0; i < 60; i++) {
        await s.service.receive('mch_1', s.body(i), {});
        await jest.advanceTimersByTimeAsync(1);
      }
      // Never quiet, yet applied after at most 25 ms of gathering, and the rest after.
      expect(s.charges.handleGatewayNotifications.mock.calls.length).toBeGreaterThanOrEqual(2);
      await jest.advanceTimersByTimeAsync(30);
      await s.service.drain();
      expect(s.charges.handleGatewayNotifications.mock.calls.flatMap((c) => c[1])).toHaveLength(60);
    });
  });

  it('a pointer that arrives while a batch is being applied is applied after it, by the same loop', async () => {
    const s = setup(100);
    let release!: () => void;
    s.charges.handleGatewayNotifications.mockImplementationOnce(async (_g, refs) => {
      await new Promise<void>((r) => (release = r));
      return refs.map(() => 'applied' as const);
    });
    await s.service.receive('mch_1', s.body(1), {});
    while (!release) await new Promise((r) => setImmediate(r));
    await s.service.receive('mch_1', s.body(2), {});
    release();
    await s.service.drain();
    expect(
      s.charges.handleGatewayNotifications.mock.calls.map((c) =>
        c[1].map((r) => (r as { reference: string }).reference),
      ),
    ).toEqual([['ref_1'], ['ref_2']]);
  });

  it('does not hand a billing-key issuance to charges', async () => {
    const s = setup();
    s.billingKeys.applyNotification.mockResolvedValueOnce('applied' as never);
    await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {});
    await s.service.drain();
    expect(s.charges.handleGatewayNotifications).not.toHaveBeenCalled();
  });

  it('drops the same imp_uid+status within the window, and lets a new status or the next window through', async () => {
    const s = setup(10);
    expect(await s.service.receive('mch_1', s.body(1), {})).toBe('accepted');
    expect(await s.service.receive('mch_1', s.body(1), {})).toBe('duplicate');
    expect(await s.service.receive('mch_1', s.body(1, 'cancelled'), {})).toBe('accepted');
    // Another merchant's delivery of the same ids is its own.
    expect(await s.service.receive('mch_2', s.body(1), {})).toBe('accepted');
    s.advance(60_001);
    expect(await s.service.receive('mch_1', s.body(1), {})).toBe('accepted');
  });

  it('spends a bounded re-fetch budget per merchant and window', async () => {
    const s = setup(2);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await s.service.receive('mch_1', s.body(i), {}));
    expect(got).toEqual(['accepted', 'accepted', 'rate_limited', 'rate_limited']);
    expect(await s.service.receive('mch_2', s.body(9), {})).toBe('accepted');
    s.advance(60_000);
    expect(await s.service.receive('mch_1', s.body(5), {})).toBe('accepted');
    await s.service.drain();
    expect(s.charges.handleGatewayNotifications.mock.calls.flatMap((c) => c[1])).toHaveLength(4);
  });

  it('reads a merchant once for a burst that arrives before the read answers, on first use and once its entry expires', async () => {
    const s = setup(1000);
    const burst = () =>
      Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          s.service.receive('mch_1', s.body(`${s.merchants.require.mock.calls.length}-${i}`), {}),
        ),
      );
    expect(new Set(await burst())).toEqual(new Set(['accepted']));
    expect(s.merchants.require).toHaveBeenCalledTimes(1);
    await burst();
    expect(s.merchants.require).toHaveBeenCalledTimes(1); // cached
    s.advance(60_001);
    expect(new Set(await burst())).toEqual(new Set(['accepted']));
    expect(s.merchants.require).toHaveBeenCalledTimes(2);
    // An unknown merchant is not cached, but a burst for it shares one read too, and every delivery is refused.
    expect(
      new Set(await Promise.all(Array.from({ length: 8 }, () => s.service.receive('nope', s.body('x'), {})))),
    ).toEqual(new Set(['unknown_merchant']));
    expect(s.merchants.require).toHaveBeenCalledTimes(3);
    await s.service.drain();
  });

  it('answers malformed bodies and unknown merchants without any lookup of the payment', async () => {
    const s = setup();
    expect(await s.service.receive('mch_1', { status: 'paid' }, {})).toBe('malformed');
    expect(await s.service.receive('mch_1', 'garbage', {})).toBe('malformed');
    expect(await s.service.receive('nope', s.body(1), {})).toBe('unknown_merchant');
    expect(await s.service.receive('../../x', s.body(1), {})).toBe('unknown_merchant');
    await s.service.drain();
    expect(s.billingKeys.applyNotification).not.toHaveBeenCalled();
  });

  it('logs a failure to apply instead of throwing it at the sender', async () => {
    const s = setup();
    s.billingKeys.applyNotification.mockRejectedValueOnce(new Error('db down'));
    s.charges.handleGatewayNotifications.mockRejectedValueOnce(new Error('db down'));
    await expect(s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {})).resolves.toBe('accepted');
    await expect(s.service.receive('mch_1', s.body(2), {})).resolves.toBe('accepted');
    await expect(s.service.drain()).resolves.toBeUndefined();
    // The loop survives a failed batch: the next pointer is applied.
    await s.service.receive('mch_1', s.body(3), {});
    await s.service.drain();
    expect(s.charges.handleGatewayNotifications).toHaveBeenCalledTimes(2);
  });

  it('keeps an accepted pointer before answering, and removes it once applied (a failed apply stays kept)', async () => {
    const s = setup(10);
    s.charges.handleGatewayNotifications.mockImplementationOnce(async (_g, refs) => refs.map(() => 'error' as const));
    await s.service.receive('mch_1', s.body(1), {});
    // Kept when receive resolves (before the 200), in the background apply's absence.
    expect([...s.inbox.rows.values()].map((r) => r.gatewayPaymentId)).toEqual(['imps_1']);
    await s.service.drain();
    expect(s.inbox.rows.size).toBe(1); // the apply failed: left for the reconciler
    await s.service.receive('mch_1', s.body(2), {});
    await s.service.drain();
    expect([...s.inbox.rows.values()].map((r) => r.gatewayPaymentId)).toEqual(['imps_1']);
  });

  it('keeps a 16-delivery burst with one INSERT', async () => {
    const s = setup(100);
    await Promise.all(Array.from({ length: 16 }, (_, i) => s.service.receive('mch_1', s.body(i), {})));
    expect(s.inbox.keep).toHaveBeenCalledTimes(1);
    expect(s.inbox.keep.mock.calls[0][0]).toHaveLength(16);
    await s.service.drain();
  });

  it('past the budget, keeps only pointers naming our own charges or issuances: forged references cannot fill the cap', async () => {
    const s = setup(1, 60_000, 2);
    expect(await s.service.receive('mch_1', s.body(0), {})).toBe('accepted');
    await s.service.drain();
    for (let i = 0; i < 5; i++)
      expect(await s.service.receive('mch_1', s.body(`f${i}`, 'paid', `made_up_${i}`), {})).toBe('rate_limited');
    expect(s.inbox.rows.size).toBe(0);
    // The genuine one still finds room.
    expect(await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {})).toBe('rate_limited');
    expect(s.inbox.rows.size).toBe(1);
  });

  it('refuses at once, reading nothing, while the inbox says the merchant is at the cap', async () => {
    const s = setup(1, 60_000, 2);
    expect(await s.service.receive('mch_1', s.body(0), {})).toBe('accepted');
    await s.service.drain();
    s.inbox.atCap.mockReturnValue(true);
    expect(await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {})).toBe('over_cap');
    expect(s.inbox.atCap).toHaveBeenLastCalledWith('mch_1', 'portone-paypal-rt', expect.any(Date));
    expect(s.billingKeys.isIssuance).not.toHaveBeenCalled();
    expect(s.inbox.keepCapped).not.toHaveBeenCalled();
    s.inbox.atCap.mockReturnValue(false);
    expect(await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {})).toBe('rate_limited');
    expect(s.inbox.rows.size).toBe(1);
  });

  it('keeps a pointer the budget cannot pay for (up to the cap), and the reconciler drains it within the next budget', async () => {
    const s = setup(1, 60_000, 2);
    expect(await s.service.receive('mch_1', s.body(0), {})).toBe('accepted');
    await s.service.drain();
    expect(await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {})).toBe('rate_limited');
    expect(await s.service.receive('mch_1', s.body(1, 'paid', 'bki_1'), {})).toBe('rate_limited'); // PortOne's retry: one row
    expect(await s.service.receive('mch_1', s.body('forged', 'paid', 'bki_1'), {})).toBe('rate_limited'); // same issuance: one row
    expect(await s.service.receive('mch_1', s.body(2), {})).toBe('rate_limited');
    expect(await s.service.receive('mch_1', s.body(3), {})).toBe('over_cap');
    expect(s.inbox.rows.size).toBe(2);
    // Same window: the budget is spent, nothing is drained.
    expect(await s.service.drainKept()).toEqual({ applied: 0, deferred: 2 });
    s.advance(60_000);
    expect(await s.service.drainKept()).toEqual({ applied: 1, deferred: 1 });
    // The issuance is completed by its merchant_uid (the pointer's imp_uid may be forged).
    expect(s.billingKeys.completeIssuanceByReference).toHaveBeenCalledWith('mch_1', 'bki_1', expect.any(Function));
    s.advance(60_000);
    expect(await s.service.drainKept()).toEqual({ applied: 1, deferred: 0 });
    expect(s.inbox.rows.size).toBe(0);
  });

  it('answers 503 (nothing remembered) when the pointer cannot be kept, so the retry is admitted', async () => {
    const s = setup(10);
    s.inbox.keep.mockRejectedValueOnce(new Error('db down'));
    // Quiet: logged here at error already, so the filter adds no line of its own.
    await expect(s.service.receive('mch_1', s.body(1), {})).rejects.toMatchObject({
      code: 'PORTONE_WEBHOOK_RETRY',
      quiet: true,
    });
    expect(s.charges.handleGatewayNotifications).not.toHaveBeenCalled();
    await expect(s.service.receive('mch_1', s.body(1), {})).resolves.toBe('accepted');
    await s.service.drain();
  });
});

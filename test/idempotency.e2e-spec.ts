import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AUTH_KIND } from '../src/auth/auth.decorators';
import { IdempotencyInterceptor } from '../src/idempotency/idempotency.interceptor';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

describe('Idempotency-Key (e2e)', () => {
  let t: TestApp;
  let a: { authorization: string };
  let b: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    a = { authorization: `Bearer ${(await createMerchant(t)).apiKey}` };
    b = { authorization: `Bearer ${(await createMerchant(t, { name: 'B' })).apiKey}` };
  });
  afterAll(() => t.close());

  const plan = { name: 'Pro', amount: 1999, currency: 'USD', interval: 'month' };
  const count = async () => Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM plans'))[0].n);

  it('covers every mutating merchant route (the contract: all of them take an Idempotency-Key), and no read', async () => {
    const reflector = t.app.get(Reflector);
    const scanner = t.app.get(MetadataScanner);
    const mutating = [RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE];
    const missing: string[] = [];
    const onReads: string[] = [];
    let covered = 0;
    for (const wrapper of t.app.get(DiscoveryService).getControllers()) {
      const proto = Object.getPrototypeOf(wrapper.instance) as Record<string, (...a: unknown[]) => unknown>;
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const kind =
          reflector.getAllAndOverride<string | undefined>(AUTH_KIND, [handler, wrapper.metatype as never]) ??
          'merchant';
        const interceptors = [
          ...((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[]) ?? []),
          ...((Reflect.getMetadata(INTERCEPTORS_METADATA, wrapper.metatype as never) as unknown[]) ?? []),
        ];
        const has = interceptors.includes(IdempotencyInterceptor);
        const route = `${wrapper.name}.${name}`;
        if (kind === 'merchant' && mutating.includes(method)) {
          if (has) covered++;
          else missing.push(route);
        } else if (has) onReads.push(route);
      }
    }
    expect(missing).toEqual([]);
    expect(onReads).toEqual([]);
    // 17 since v1.1: the per-PG credential routes (toss-foreign-pay, portone-paypal-rt, the UNSUPPORTED_GATEWAY
    // catch-all) became one PUT /v1/merchants/me/gateways/{gateway}; `missing` above still requires every one.
    expect(covered).toBeGreaterThanOrEqual(17);
    // And the header is documented on them.
    const doc = (await t.http().get('/docs-json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    expect(doc.paths['/v1/plans'].post.parameters?.map((p) => p.name)).toContain('Idempotency-Key');
    expect(doc.paths['/v1/subscriptions/{id}'].get.parameters?.map((p) => p.name)).not.toContain('Idempotency-Key');
  });

  it('replays the first response for the same key and body, creating nothing new', async () => {
    const before = await count();
    const first = await t.http().post('/v1/plans').set(a).set('idempotency-key', 'k-1').send(plan);
    const second = await t
      .http()
      .post('/v1/plans')
      .set(a)
      .set('idempotency-key', 'k-1')
      .send({ interval: 'month', currency: 'USD', amount: 1999, name: 'Pro' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await count()).toBe(before + 1);
  });

  it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    await t.http().post('/v1/plans').set(a).set('idempotency-key', 'k-2').send(plan);
    const res = await t
      .http()
      .post('/v1/plans')
      .set(a)
      .set('idempotency-key', 'k-2')
      .send({ ...plan, amount: 2999 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('scopes keys per merchant', async () => {
    const x = await t.http().post('/v1/plans').set(a).set('idempotency-key', 'shared').send(plan);
    const y = await t.http().post('/v1/plans').set(b).set('idempotency-key', 'shared').send(plan);
    expect(y.status).toBe(201);
    expect(y.body.id).not.toBe(x.body.id);
    expect(y.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not keep a validation failure: the key can be used once the request is fixed', async () => {
    const bad = await t
      .http()
      .post('/v1/plans')
      .set(a)
      .set('idempotency-key', 'k-3')
      .send({ ...plan, amount: -1 });
    expect(bad.status).toBe(400);
    const good = await t.http().post('/v1/plans').set(a).set('idempotency-key', 'k-3').send(plan);
    expect(good.status).toBe(201);
  });

  it('replays a definite business refusal', async () => {
    await t
      .http()
      .post('/v1/customers')
      .set(a)
      .send({ email: 'a@example.com', firstName: 'A', lastName: 'B', countryCode: 'US', externalId: 'ext-9' });
    const body = { email: 'a@example.com', firstName: 'A', lastName: 'B', countryCode: 'US', externalId: 'ext-9' };
    const first = await t.http().post('/v1/customers').set(a).set('idempotency-key', 'k-4').send(body);
    const again = await t.http().post('/v1/customers').set(a).set('idempotency-key', 'k-4').send(body);
    expect(first.status).toBe(409);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DUPLICATE_EXTERNAL_ID');
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('concurrent requests with one key create one resource', async () => {
    const before = await count();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => t.http().post('/v1/plans').set(a).set('idempotency-key', 'k-race').send(plan)),
    );
    const created = results.filter((r) => r.status === 201);
    const inProgress = results.filter((r) => r.status === 409 && r.body.code === 'IDEMPOTENCY_KEY_IN_PROGRESS');
    expect(created.length + inProgress.length).toBe(5);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(await count()).toBe(before + 1);
  });

  it('rejects an unusable key', async () => {
    const res = await t.http().post('/v1/plans').set(a).set('idempotency-key', 'x'.repeat(300)).send(plan);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_INVALID');
  });
});

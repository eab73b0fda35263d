import { DataSource } from 'typeorm';
import { DrainService } from '../src/drain/drain.service';
import { startTestApp, type TestApp } from './helpers/test-app';

describe('health: liveness and readiness (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('live answers 200 and ready answers 200 with each check up; /health is unchanged', async () => {
    expect((await t.http().get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await t.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      details: { database: { status: 'up' }, migrations: { status: 'up' }, draining: { status: 'up' } },
    });
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body.info.database.status).toBe('up');
  });

  it('is not ready while a migration is pending, and ready again once it is applied', async () => {
    const ds = t.app.get(DataSource);
    await ds.undoLastMigration();
    try {
      const res = await t.http().get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('error');
      expect(res.body.details.migrations).toEqual({
        status: 'down',
        message: 'pending migrations: run npm run migration:run',
      });
      expect(res.body.details.database.status).toBe('up');
      expect((await t.http().get('/health/live')).status).toBe(200);
    } finally {
      await ds.runMigrations();
    }
    expect((await t.http().get('/health/ready')).status).toBe(200);
  });

  it('exports the review queue and the open charges on /metrics (read from the database at scrape time)', async () => {
    const text = (await t.http().get('/metrics')).text;
    expect(text).toMatch(/^billing_charges_in_review 0$/m);
    expect(text).toMatch(/^billing_charges_open\{status="unknown"\} 0$/m);
    expect(text).toMatch(/^billing_charges_open\{status="sending"\} 0$/m);
  });

  it('lists both probes in OpenAPI', async () => {
    const paths = Object.keys((await t.http().get('/docs-json')).body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/health', '/health/live', '/health/ready']));
  });

  // Last: the drain cannot be undone.
  it('is not ready once draining, while still alive and serving', async () => {
    await t.app.get(DrainService).beforeApplicationShutdown();
    const res = await t.http().get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.details.draining).toEqual({
      status: 'down',
      message: 'draining: shutting down, send traffic elsewhere',
    });
    expect(res.body.details.database.status).toBe('up');
    expect((await t.http().get('/health/live')).status).toBe(200);
  });
});

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap';
import { secretsKeyId } from '../src/common/crypto/secret-box';
import { unknownSecretsKeys } from '../src/common/crypto/secrets-key.check';
import { resetEnvCache } from '../src/config/configuration';
import { MaskImpKeyHints1764201600010 } from '../src/database/migrations/1764201600010-MaskImpKeyHints';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

/**
 * PG credentials at rest: impKey is masked like the other secrets, and a process given the wrong SECRETS_KEY refuses
 * to start instead of answering 500 on every charge. The database outlives one app here (a file, or a PostgreSQL
 * schema under DATABASE_URL), so a second boot sees what the first sealed.
 */
const onPg = !!process.env.DATABASE_URL;
const schema = `t_keys_${randomBytes(4).toString('hex')}`;
const sqliteFile = join(tmpdir(), `credentials-at-rest-${randomBytes(4).toString('hex')}.sqlite`);
const dbEnv: Record<string, string> = onPg
  ? { DATABASE_SCHEMA: schema, DATABASE_MIGRATIONS_RUN: 'true' }
  : { DATABASE_PATH: sqliteFile };
const keyA = randomBytes(32).toString('hex');
const impKey = 'imp_key_' + 'plain-visible-5678';

async function pg(sql: string): Promise<void> {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Boots the app on the shared database with `secretsKey`; resolves with the error init failed with, if any. */
async function bootWith(secretsKey: string): Promise<Error | undefined> {
  Object.assign(process.env, { ...dbEnv, SECRETS_KEY: secretsKey });
  resetEnvCache();
  const app = await createApp({ logStream: new Writable({ write: (_c, _e, done) => done() }) });
  try {
    await app.init();
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    await app.close();
  }
}

describe('PG credentials at rest (e2e)', () => {
  let t: TestApp;
  let auth: { authorization: string };
  beforeAll(async () => {
    if (onPg) await pg(`CREATE SCHEMA ${schema}`);
    t = await startTestApp({ ...dbEnv, SECRETS_KEY: keyA });
    const m = await createMerchant(t);
    auth = { authorization: `Bearer ${m.apiKey}` };
    const put = await t
      .http()
      .put('/v1/merchants/me/gateways/portone-paypal-rt')
      .set(auth)
      .send({ userCode: 'imp_sbx_atrest', impKey, impSecret: 'sbx_secret_atrest_1234' });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    if (onPg) await pg(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    else rmSync(sqliteFile, { force: true });
  });

  it('masks impKey in what PUT and GET return', async () => {
    const list = await t.http().get('/v1/merchants/me/gateways').set(auth);
    expect(list.body.data[0].hints).toMatchObject({
      userCode: 'imp_sbx_atrest',
      impKey: '••••••••5678',
      impSecret: '••••••••1234',
    });
    expect(JSON.stringify(list.body)).not.toContain(impKey);
    const rows = (await t.app.get(DataSource).query('SELECT hints FROM merchant_gateway_credentials')) as Array<{
      hints: string;
    }>;
    expect(JSON.stringify(rows)).not.toContain(impKey);
  });

  it('masks a hint stored in full before, on read, and the migration masks it in the table', async () => {
    const ds = t.app.get(DataSource);
    const legacy = JSON.stringify({ userCode: 'imp_sbx_atrest', impKey, impSecret: '••••••••1234' });
    await ds.query(`UPDATE merchant_gateway_credentials SET hints = ${onPg ? '$1' : '?'}`, [legacy]);
    const list = await t.http().get('/v1/merchants/me/gateways').set(auth);
    expect(list.body.data[0].hints.impKey).toBe('••••••••5678');

    const runner = ds.createQueryRunner();
    try {
      await new MaskImpKeyHints1764201600010().up(runner);
      await new MaskImpKeyHints1764201600010().up(runner); // idempotent
    } finally {
      await runner.release();
    }
    const rows = (await ds.query('SELECT hints FROM merchant_gateway_credentials')) as Array<{ hints: string }>;
    expect(JSON.parse(rows[0].hints)).toEqual({
      userCode: 'imp_sbx_atrest',
      impKey: '••••••••5678',
      impSecret: '••••••••1234',
    });
  });

  it('refuses to boot with another SECRETS_KEY, in one line naming the variable; boots with the right one', async () => {
    await t.close();
    const wrong = await bootWith(randomBytes(32).toString('hex'));
    // The credentials name the key they were sealed with (see SecretBox), so the line names that key's id.
    expect(wrong?.message).toBe(unknownSecretsKeys([secretsKeyId(Buffer.from(keyA, 'hex'))]));
    expect(wrong?.message).not.toContain('\n');
    expect(wrong?.message.startsWith('Invalid configuration: SECRETS_KEY')).toBe(true); // main.ts prints these bare
    expect(await bootWith(keyA)).toBeUndefined();
    t = await startTestApp({ ...dbEnv, SECRETS_KEY: keyA }); // for afterAll
  });
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap';
import { type SecretBox, secretsKeyId } from '../src/common/crypto/secret-box';
import { unknownSecretsKeys } from '../src/common/crypto/secrets-key.check';
import { resealRow, type SealedCredentialRow } from '../src/common/crypto/secrets-reseal';
import { resetEnvCache } from '../src/config/configuration';
import { MerchantsService, SECRET_BOX } from '../src/merchants/merchants.service';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

/**
 * Secrets-key rotation end to end: credentials sealed with key A are read by a process given SECRETS_KEYS=B,A,
 * re-sealed with B by `npm run secrets:reseal` while that process runs, then read by a process given B alone. The
 * database outlives each app (a SQLite file, or a PostgreSQL schema under DATABASE_URL).
 */
const onPg = !!process.env.DATABASE_URL;
const schema = `t_rot_${randomBytes(4).toString('hex')}`;
const sqliteFile = join(tmpdir(), `secrets-rotation-${randomBytes(4).toString('hex')}.sqlite`);
const dbEnv: Record<string, string> = onPg
  ? { DATABASE_SCHEMA: schema, DATABASE_MIGRATIONS_RUN: 'true' }
  : { DATABASE_PATH: sqliteFile };
const keyA = randomBytes(32).toString('hex');
const keyB = randomBytes(32).toString('base64');
const GATEWAY = 'portone-paypal-rt';
const creds = (n: number) => ({
  userCode: `imp_sbx_rot${n}`,
  impKey: `imp_key_rot_${n}`,
  impSecret: `sbx_secret_${n}`,
});

async function pg(sql: string): Promise<void> {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Keys given as SECRETS_KEYS only (SECRETS_KEY emptied, as an operator would). */
const keysEnv = (keys: string) => ({ ...dbEnv, SECRETS_KEY: '', SECRETS_KEYS: keys });

async function bootError(keys: string): Promise<Error | undefined> {
  Object.assign(process.env, keysEnv(keys));
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

describe('secrets-key rotation (e2e)', () => {
  let t: TestApp | undefined;
  const merchants: string[] = [];
  const read = (app: TestApp, m: string) => app.app.get(MerchantsService).credentialsFor(m, GATEWAY);
  const sealedRows = async (app: TestApp) =>
    (await app.app
      .get(DataSource)
      .query(
        'SELECT id, merchant_id, gateway, ciphertext FROM merchant_gateway_credentials ORDER BY id',
      )) as SealedCredentialRow[];

  beforeAll(async () => {
    if (onPg) await pg(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await t?.close();
    delete process.env.SECRETS_KEYS; // the next test file in this worker sets SECRETS_KEY
    if (onPg) await pg(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    else rmSync(sqliteFile, { force: true });
  });

  it('reads A-sealed credentials with B,A, re-seals them with B while running, then reads them with B alone', async () => {
    // 1. Sealed with A (SECRETS_KEY, the one-key form).
    t = await startTestApp({ ...dbEnv, SECRETS_KEY: keyA });
    for (let n = 0; n < 3; n++) {
      const m = await createMerchant(t);
      merchants.push(m.id);
      const put = await t
        .http()
        .put(`/v1/merchants/me/gateways/${GATEWAY}`)
        .set({ authorization: `Bearer ${m.apiKey}` })
        .send(creds(n));
      expect(put.status).toBe(200);
    }
    const idA = secretsKeyId(Buffer.from(keyA, 'hex'));
    expect((await sealedRows(t)).every((r) => r.ciphertext.startsWith(`v2.${idA}.`))).toBe(true);
    await t.close();

    // 2. B is current, A still readable: the A-sealed values open.
    t = await startTestApp(keysEnv(`${keyB},${keyA}`));
    for (let n = 0; n < 3; n++) expect(await read(t, merchants[n])).toEqual(creds(n));

    // A row a merchant replaces between the re-seal's read and its write keeps the merchant's value.
    const box = t.app.get<SecretBox>(SECRET_BOX);
    const [stale] = await sealedRows(t);
    const owner = stale.merchant_id;
    const replaced = box.seal(JSON.stringify(creds(9)), `${owner}:${GATEWAY}`);
    await t.app
      .get(DataSource)
      .query(
        `UPDATE merchant_gateway_credentials SET ciphertext = ${onPg ? '$1' : '?'} WHERE id = ${onPg ? '$2' : '?'}`,
        [replaced, stale.id],
      );
    // (`stale` still holds the A-sealed value: a re-seal that read it before the update.)
    expect(await resealRow(t.app.get(DataSource), box, stale)).toBe('changed');
    expect(await read(t, owner)).toEqual(creds(9));

    // The reseal command, as an operator runs it, beside the running instance.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'scripts/secrets-reseal.ts'],
      {
        cwd: resolve(__dirname, '..'),
        env: { ...process.env, ...keysEnv(`${keyB},${keyA}`), TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_SWC: 'true' },
      },
    );
    const idB = secretsKeyId(Buffer.from(keyB, 'base64'));
    // Two A-sealed rows re-sealed; the replaced one was already sealed with B.
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      currentKeyId: idB,
      resealed: 2,
      current: 1,
      changed: 0,
    });
    expect((await sealedRows(t)).every((r) => r.ciphertext.startsWith(`v2.${idB}.`))).toBe(true);
    const expected = merchants.map((m, n) => (m === owner ? creds(9) : creds(n)));
    for (let n = 0; n < 3; n++) expect(await read(t, merchants[n])).toEqual(expected[n]);
    await t.close();

    // 3. B alone: everything opens.
    t = await startTestApp(keysEnv(keyB));
    for (let n = 0; n < 3; n++) expect(await read(t, merchants[n])).toEqual(expected[n]);
    await t.close();
    t = undefined;

    // And a process given only A (the key dropped too early, the wrong way round) refuses to boot, in one line.
    const err = await bootError(keyA);
    expect(err?.message).toBe(unknownSecretsKeys([idB]));
    expect(err?.message).not.toContain('\n');
    expect(err?.message).not.toContain(keyA);
  });
});

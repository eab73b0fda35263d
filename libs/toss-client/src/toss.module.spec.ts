import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { sendJson, startFakeHttpServer, type FakeHttpServer } from '../../pg-http/test/fake-http.server';
import { TossClient } from './toss.client';
import { TossClientModule } from './toss.module';

@Injectable()
class FakeConfig {
  constructor(readonly baseUrl: string) {}
}

describe('TossClientModule', () => {
  let server: FakeHttpServer;
  beforeAll(async () => {
    server = await startFakeHttpServer((_req, res) =>
      sendJson(res, 404, { code: 'NOT_FOUND_PAYMENT', message: 'none' }),
    );
  });
  afterAll(() => server.close());

  it('register() provides a working TossClient', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TossClientModule.register({ baseUrl: server.origin, timeoutMs: 1_000, apiVersion: '2022-11-16' })],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get(TossClient);
    expect(await client.getPayment({ secretKey: 'test_sk_x' }, 'pk')).toMatchObject({
      kind: 'pg_error',
      code: 'NOT_FOUND_PAYMENT',
    });
    await moduleRef.close();
  });

  it('registerAsync() resolves options from injected providers', async () => {
    @Module({ providers: [{ provide: FakeConfig, useValue: new FakeConfig(server.origin) }], exports: [FakeConfig] })
    class ConfigLikeModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        TossClientModule.registerAsync({
          imports: [ConfigLikeModule],
          inject: [FakeConfig],
          useFactory: (config: FakeConfig) => ({ baseUrl: config.baseUrl, timeoutMs: 1_000 }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get(TossClient);
    expect(await client.getPayment({ secretKey: 'test_sk_x' }, 'pk')).toMatchObject({
      kind: 'pg_error',
      httpStatus: 404,
    });
    expect(server.requests.at(-1)?.headers['tosspayments-api-version']).toBe('2022-11-16');
    await moduleRef.close();
  });
});

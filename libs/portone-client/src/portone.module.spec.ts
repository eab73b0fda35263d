import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { sendJson, startFakeHttpServer, type FakeHttpServer } from '../../pg-http/test/fake-http.server';
import { PortoneClient } from './portone.client';
import { PortoneClientModule } from './portone.module';
import type { PortoneClock } from './portone.options';

@Injectable()
class FakeConfig {
  constructor(readonly baseUrl: string) {}
}

describe('PortoneClientModule', () => {
  let server: FakeHttpServer;
  beforeAll(async () => {
    server = await startFakeHttpServer((req, res) => {
      if (req.url.endsWith('/users/getToken'))
        sendJson(res, 200, { code: 0, message: null, response: { access_token: 't', now: 1_000, expired_at: 2_800 } });
      else sendJson(res, 404, { code: -1, message: '존재하지 않는 결제정보입니다', response: null });
    });
  });
  afterAll(() => server.close());
  const creds = { impKey: 'sbx_key_a', impSecret: 'sbx_secret_a' };

  it('register() provides a working PortoneClient', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PortoneClientModule.register({ baseUrl: server.origin, timeoutMs: 1_000, sandbox: true })],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get(PortoneClient);
    expect(await client.getPayment(creds, 'imp_1')).toMatchObject({ kind: 'pg_error', httpStatus: 404, code: -1 });
    expect(server.requests.at(-1)?.url).toBe('/payments/imp_1?include_sandbox=true');
    await moduleRef.close();
  });

  it('registerAsync() resolves options (clock included) from injected providers', async () => {
    const clock: PortoneClock = { now: () => new Date(Date.UTC(2030, 0, 1)) };
    @Module({ providers: [{ provide: FakeConfig, useValue: new FakeConfig(server.origin) }], exports: [FakeConfig] })
    class ConfigLikeModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        PortoneClientModule.registerAsync({
          imports: [ConfigLikeModule],
          inject: [FakeConfig],
          useFactory: (config: FakeConfig) => ({ baseUrl: config.baseUrl, timeoutMs: 1_000, clock }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get(PortoneClient);
    // Lifetime 1800 s by PortOne's clock, anchored at the injected clock.
    expect(await client.verifyCredentials(creds)).toEqual({
      kind: 'ok',
      httpStatus: 200,
      data: { expiresAt: new Date(Date.UTC(2030, 0, 1) + 1_800_000) },
    });
    await moduleRef.close();
  });
});

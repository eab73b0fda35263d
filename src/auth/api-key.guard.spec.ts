import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { strictMock } from '../../test/helpers/strict-mock';
import type { ClientSecretAuthenticator, ClientSecretPrincipal } from './client-secret.authenticator';
import type { SecurityConfig } from '../config/configuration';
import type { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyGuard } from './api-key.guard';
import { ClientSecretAllowed } from './auth.decorators';

const SECRET = `bk_key1_secret_${'a'.repeat(32)}`;
const PRINCIPAL: ClientSecretPrincipal = {
  kind: 'client_secret',
  merchantId: 'mch_1',
  objectType: 'billing_key',
  objectId: 'bk_key1',
};

class Routes {
  @ClientSecretAllowed('billing_key')
  key(): void {}
  @ClientSecretAllowed('order', 'orderId')
  order(): void {}
  merchantOnly(): void {}
}

function context(handler: keyof Routes, token: string, params: Record<string, string>) {
  const request: Record<string, unknown> = { headers: { authorization: `Bearer ${token}` }, params };
  const ctx = strictMock<ExecutionContext>({
    getHandler: () => Routes.prototype[handler],
    getClass: (() => Routes) as ExecutionContext['getClass'],
    switchToHttp: () => ({ getRequest: () => request }) as never,
  });
  return { ctx, request };
}

describe('ApiKeyGuard with client secrets', () => {
  const authenticate = jest.fn(async (): Promise<ClientSecretPrincipal | null> => PRINCIPAL);
  const guard = new ApiKeyGuard(
    new Reflector(),
    strictMock<ApiKeyAuthenticator>({ authenticateKey: async () => ({ merchant: { id: 'mch_1' }, keyId: 'key_1' }) }),
    strictMock<ClientSecretAuthenticator>({ authenticate }),
    { adminApiKey: 'admin' } as SecurityConfig,
  );
  beforeEach(() => authenticate.mockClear());

  it('lets a client secret through on an opted-in route for its own object, as a pinned principal', async () => {
    const { ctx, request } = context('key', SECRET, { id: 'bk_key1' });
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(request).toMatchObject({ clientSecret: PRINCIPAL, principal: 'client_secret' });
    expect(request.merchant).toBeUndefined();
  });

  it('refuses a route that did not opt in, or opted in for another object type, before reading anything', async () => {
    for (const [handler, params] of [
      ['merchantOnly', { id: 'bk_key1' }],
      ['order', { orderId: 'bk_key1' }],
    ] as const) {
      await expect(guard.canActivate(context(handler, SECRET, params).ctx)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    }
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('answers 404 for another object and 401 for an unknown or expired secret', async () => {
    await expect(guard.canActivate(context('key', SECRET, { id: 'bk_other' }).ctx)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    authenticate.mockResolvedValueOnce(null);
    await expect(guard.canActivate(context('key', SECRET, { id: 'bk_key1' }).ctx)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('still takes a merchant key on an opted-in route', async () => {
    const { ctx, request } = context('key', 'mk_merchant', { id: 'bk_any' });
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(request).toMatchObject({ merchant: { id: 'mch_1' }, principal: 'merchant' });
    expect(authenticate).not.toHaveBeenCalled();
  });
});

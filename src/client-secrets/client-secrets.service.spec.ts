import { strictMock } from '../../test/helpers/strict-mock';
import { hashClientSecret, mintClientSecret } from './client-secret';
import type { ClientSecretsRepository, SecretHolder } from './client-secrets.repository';
import { ClientSecretsService, ORIGINS_CACHE_TTL_MS } from './client-secrets.service';
import type { Clock } from '../clock/clock';

describe('ClientSecretsService', () => {
  const secret = mintClientSecret('bk_key1');
  const holder = (over: Partial<SecretHolder> = {}): SecretHolder => ({
    id: 'bk_key1',
    merchantId: 'mch_1',
    status: 'pending',
    clientSecretHash: hashClientSecret(secret),
    ...over,
  });
  const service = (row: SecretHolder | null, origins: readonly string[] = []) => {
    const findHolder = jest.fn(async () => row);
    const repo = strictMock<ClientSecretsRepository>({ findHolder, allowedOrigins: async () => origins });
    const clock = { at: 0 };
    const svc = new ClientSecretsService(repo, strictMock<Clock>({ now: () => new Date(clock.at) }));
    return { svc, findHolder, clock };
  };

  it('pins the principal to the object the secret names, read by its id', async () => {
    const { svc, findHolder } = service(holder());
    expect(await svc.authenticate(secret)).toEqual({
      kind: 'client_secret',
      merchantId: 'mch_1',
      objectType: 'billing_key',
      objectId: 'bk_key1',
    });
    expect(findHolder).toHaveBeenCalledWith('billing_key', 'bk_key1');
  });

  it.each([
    ['the object left pending', holder({ status: 'active' })],
    ['another secret is stored', holder({ clientSecretHash: hashClientSecret(mintClientSecret('bk_key1')) })],
    ['no secret is stored', holder({ clientSecretHash: null })],
    ['the object does not exist', null],
  ])('refuses when %s', async (_, row) => {
    expect(await service(row).svc.authenticate(secret)).toBeNull();
  });

  it('reads nothing for a token without the shape', async () => {
    const { svc, findHolder } = service(holder());
    expect(await svc.authenticate('mk_merchantkey')).toBeNull();
    expect(findHolder).not.toHaveBeenCalled();
  });

  it("answers the object's merchant's origins, and none for an unknown object", async () => {
    expect(await service(holder(), ['https://a.example']).svc.originsFor('billing_key', 'bk_key1')).toEqual([
      'https://a.example',
    ]);
    expect(await service(null, ['https://a.example']).svc.originsFor('order', 'tfo_x')).toEqual([]);
  });

  it('reuses an answer for ORIGINS_CACHE_TTL_MS, then reads again', async () => {
    const { svc, findHolder, clock } = service(holder(), ['https://a.example']);
    await svc.originsFor('billing_key', 'bk_key1');
    clock.at = ORIGINS_CACHE_TTL_MS - 1;
    await svc.originsFor('billing_key', 'bk_key1');
    expect(findHolder).toHaveBeenCalledTimes(1);
    clock.at = ORIGINS_CACHE_TTL_MS;
    await svc.originsFor('billing_key', 'bk_key1');
    expect(findHolder).toHaveBeenCalledTimes(2);
  });
});

import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { Customer } from './customer.entity';
import type { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

const NOW = new Date('2026-12-07T00:00:00.000Z');

function setup() {
  const repo = {
    insert: jest.fn(async (c: Customer) => c),
    findByExternalId: jest.fn(async (): Promise<Customer | null> => null),
  };
  const service = new CustomersService(repo as unknown as CustomersRepository, { now: () => NOW } as Clock);
  return { service, repo };
}
const input = { email: 'jane@example.com', firstName: 'Jane', lastName: 'Doe', countryCode: 'us' };

describe('CustomersService.create', () => {
  it.each([
    ['(02)16705176', 'KR', '+82216705176'],
    ['+1 (415) 555-0100', 'US', '+14155550100'],
    ['415-555-0100', 'us', '+14155550100'],
  ])('stores %s of a %s customer as E.164 %s', async (phone, countryCode, e164) => {
    const { service, repo } = setup();
    const out = await service.create('mch_1', { ...input, countryCode, phone });
    expect(out.phone).toBe(e164);
    expect(repo.insert.mock.calls[0][0]).toMatchObject({
      phone: e164,
      countryCode: countryCode.toUpperCase(),
      createdAt: NOW,
    });
  });

  it.each(['hello', '123', '+1234567'])(
    'refuses %j with VALIDATION_FAILED on the phone field, storing nothing',
    async (phone) => {
      const { service, repo } = setup();
      const err = await service.create('mch_1', { ...input, phone }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'phone' }] });
      expect(JSON.stringify((err as DomainError).details)).not.toContain(phone);
      expect(repo.insert).not.toHaveBeenCalled();
    },
  );

  it('no phone stays null; a duplicate externalId is refused', async () => {
    const { service, repo } = setup();
    expect((await service.create('mch_1', input)).phone).toBeNull();
    expect((await service.create('mch_1', { ...input, phone: null as unknown as string })).phone).toBeNull();
    repo.findByExternalId.mockResolvedValueOnce({ id: 'cus_x' } as Customer);
    await expect(service.create('mch_1', { ...input, externalId: 'u-1' })).rejects.toMatchObject({
      code: 'DUPLICATE_EXTERNAL_ID',
    });
  });
});

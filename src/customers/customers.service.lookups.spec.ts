import { strictMock } from '../../test/helpers/strict-mock';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { Customer } from './customer.entity';
import type { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

// The look-ups other modules use (billing keys, risk); creation is in customers.service.spec.ts.
const clock = strictMock<Clock>(); // a look-up never reads the clock
const customer = (id: string) => ({ id, merchantId: 'mch_1' }) as Customer;

describe('CustomersService look-ups', () => {
  it('findMany asks once per distinct id and maps what the merchant has', async () => {
    const findManyForMerchant = jest.fn(async (_m: string, ids: readonly string[]) =>
      ids.filter((id) => id !== 'cus_foreign').map(customer),
    );
    const service = new CustomersService(strictMock<CustomersRepository>({ findManyForMerchant }), clock);
    const found = await service.findMany('mch_1', ['cus_1', 'cus_2', 'cus_1', 'cus_foreign']);
    expect(findManyForMerchant).toHaveBeenCalledWith('mch_1', ['cus_1', 'cus_2', 'cus_foreign']);
    expect([...found.keys()]).toEqual(['cus_1', 'cus_2']);
  });

  it("require answers NOT_FOUND for another merchant's or a missing customer", async () => {
    const findForMerchant = jest.fn(async (m: string, id: string) => (m === 'mch_1' ? customer(id) : null));
    const service = new CustomersService(strictMock<CustomersRepository>({ findForMerchant }), clock);
    expect(await service.require('mch_1', 'cus_1')).toMatchObject({ id: 'cus_1' });
    const err = await service.get('mch_2', 'cus_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('NOT_FOUND');
  });
});

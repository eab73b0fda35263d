import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { Customer } from './customer.entity';

/** Every read is scoped by merchant: another merchant's customer does not exist here. */
@Injectable()
export class CustomersRepository {
  constructor(@InjectRepository(Customer) private readonly customers: Repository<Customer>) {}

  insert(customer: Customer): Promise<Customer> {
    return this.customers.save(this.customers.create(customer));
  }

  /** Several of one merchant's customers in one query (billing batches). */
  findManyForMerchant(merchantId: string, ids: readonly string[]): Promise<Customer[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.customers.findBy({ merchantId, id: In([...ids]) });
  }

  findForMerchant(merchantId: string, id: string): Promise<Customer | null> {
    return this.customers.findOneBy({ merchantId, id });
  }

  findByExternalId(merchantId: string, externalId: string): Promise<Customer | null> {
    return this.customers.findOneBy({ merchantId, externalId });
  }

  save(customer: Customer): Promise<Customer> {
    return this.customers.save(customer);
  }

  /** Newest first, up to `limit + 1` rows (see keysetPage). */
  list(merchantId: string, page: { limit: number; after?: CursorPosition }): Promise<Customer[]> {
    return keysetPage(this.customers.createQueryBuilder('c'), { merchantId, ...page });
  }
}

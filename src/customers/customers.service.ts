import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { Customer } from './customer.entity';
import { toE164 } from './customer.phone';
import { CustomersRepository } from './customers.repository';
import { CreateCustomerDto, CustomerDto } from './dto/customer.dto';

@Injectable()
export class CustomersService {
  constructor(
    private readonly repo: CustomersRepository,
    private readonly clock: Clock,
  ) {}

  async create(merchantId: string, input: CreateCustomerDto): Promise<CustomerDto> {
    const countryCode = input.countryCode.toUpperCase();
    // `null` passes the DTO as "no phone" (IsOptional), like an absent one.
    const given = input.phone ?? null;
    const phone = given === null ? null : toE164(given, countryCode);
    if (given !== null && phone === null) {
      throw new DomainError('VALIDATION_FAILED', 'phone: not a phone number', [
        {
          field: 'phone',
          errors: [
            `not a phone number: give it with its country code (+1 415 555 0100) or as dialled in ${countryCode}`,
          ],
        },
      ]);
    }
    if (input.externalId && (await this.repo.findByExternalId(merchantId, input.externalId))) {
      throw new DomainError('DUPLICATE_EXTERNAL_ID', 'A customer with this externalId already exists');
    }
    const customer = await this.repo.insert({
      id: newId('cus'),
      merchantId,
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      phone,
      countryCode,
      accountCreatedAt: input.accountCreatedAt ? new Date(input.accountCreatedAt) : null,
      externalId: input.externalId ?? null,
      createdAt: this.clock.now(),
    });
    return toCustomerDto(customer);
  }

  async get(merchantId: string, id: string): Promise<CustomerDto> {
    return toCustomerDto(await this.require(merchantId, id));
  }

  /** For other modules (billing keys, risk): the merchant's customer or a 404. */
  /** Several of one merchant's customers by id; missing or foreign ids are simply absent from the map. */
  async findMany(merchantId: string, ids: readonly string[]): Promise<Map<string, Customer>> {
    return new Map((await this.repo.findManyForMerchant(merchantId, [...new Set(ids)])).map((c) => [c.id, c]));
  }

  async require(merchantId: string, id: string): Promise<Customer> {
    const customer = await this.repo.findForMerchant(merchantId, id);
    if (!customer) throw new NotFoundError('Customer');
    return customer;
  }
}

export function toCustomerDto(c: Customer): CustomerDto {
  return {
    id: c.id,
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    phone: c.phone,
    countryCode: c.countryCode,
    accountCreatedAt: c.accountCreatedAt ? new Date(c.accountCreatedAt).toISOString() : null,
    externalId: c.externalId,
    createdAt: new Date(c.createdAt).toISOString(),
  };
}

import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { Customer } from './customer.entity';
import { toE164 } from './customer.phone';
import { CustomersRepository } from './customers.repository';
import { pageParams, toPage, type Page } from '../common/pagination';
import { CreateCustomerDto, CustomerDto, UpdateCustomerDto } from './dto/customer.dto';

@Injectable()
export class CustomersService {
  constructor(
    private readonly repo: CustomersRepository,
    private readonly clock: Clock,
  ) {}

  async create(merchantId: string, input: CreateCustomerDto): Promise<CustomerDto> {
    const countryCode = input.countryCode.toUpperCase();
    const phone = checkedPhone(input.phone, countryCode);
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

  /**
   * Corrects a customer (the STC data PayPal reads at the next charge): any create field, validated the same way. A
   * new countryCode re-reads the stored phone against it only when a phone is given too; an E.164 phone needs none.
   */
  async update(merchantId: string, id: string, input: UpdateCustomerDto): Promise<CustomerDto> {
    const customer = await this.require(merchantId, id);
    const countryCode = (input.countryCode ?? customer.countryCode).toUpperCase();
    if (input.phone !== undefined) customer.phone = checkedPhone(input.phone, countryCode);
    if (input.externalId !== undefined && input.externalId !== customer.externalId) {
      const other = await this.repo.findByExternalId(merchantId, input.externalId);
      if (other && other.id !== customer.id) {
        throw new DomainError('DUPLICATE_EXTERNAL_ID', 'A customer with this externalId already exists');
      }
      customer.externalId = input.externalId;
    }
    if (input.email !== undefined) customer.email = input.email;
    if (input.firstName !== undefined) customer.firstName = input.firstName;
    if (input.lastName !== undefined) customer.lastName = input.lastName;
    if (input.accountCreatedAt !== undefined) customer.accountCreatedAt = new Date(input.accountCreatedAt);
    customer.countryCode = countryCode;
    return toCustomerDto(await this.repo.save(customer));
  }

  async list(merchantId: string, query: { limit?: number; cursor?: string }): Promise<Page<CustomerDto>> {
    const page = pageParams(query);
    return toPage(await this.repo.list(merchantId, page), page.limit, toCustomerDto);
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

/** E.164 of a phone given as people type it, null for none; 400 naming `phone` when it is not a number. */
function checkedPhone(given: string | null | undefined, countryCode: string): string | null {
  // `null` passes the DTO as "no phone" (IsOptional), like an absent one.
  if (given === null || given === undefined) return null;
  const phone = toE164(given, countryCode);
  if (phone === null) {
    throw new DomainError('VALIDATION_FAILED', 'phone: not a phone number', [
      {
        field: 'phone',
        errors: [`not a phone number: give it with its country code (+1 415 555 0100) or as dialled in ${countryCode}`],
      },
    ]);
  }
  return phone;
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

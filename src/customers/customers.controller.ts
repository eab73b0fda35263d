import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import { CustomersService } from './customers.service';
import {
  CreateCustomerDto,
  CustomerDto,
  CustomerPageDto,
  ListCustomersQueryDto,
  UpdateCustomerDto,
} from './dto/customer.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: CustomerDto })
  create(@CurrentMerchant() merchant: Merchant, @Body() body: CreateCustomerDto): Promise<CustomerDto> {
    return this.customers.create(merchant.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'Customers, newest first (cursor-paginated)' })
  @ApiOkResponse({ type: CustomerPageDto })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: ListCustomersQueryDto): Promise<CustomerPageDto> {
    return this.customers.list(merchant.id, query);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Correct a customer: any create field, validated the same way' })
  @ApiOkResponse({ type: CustomerDto })
  update(
    @CurrentMerchant() merchant: Merchant,
    @Param('id') id: string,
    @Body() body: UpdateCustomerDto,
  ): Promise<CustomerDto> {
    return this.customers.update(merchant.id, id, body);
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerDto })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<CustomerDto> {
    return this.customers.get(merchant.id, id);
  }
}

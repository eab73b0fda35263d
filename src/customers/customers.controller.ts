import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import { CustomersService } from './customers.service';
import { CreateCustomerDto, CustomerDto } from './dto/customer.dto';
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

  @Get(':id')
  @ApiOkResponse({ type: CustomerDto })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<CustomerDto> {
    return this.customers.get(merchant.id, id);
  }
}

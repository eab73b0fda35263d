import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import { CreatePlanDto, PlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: PlanDto })
  create(@CurrentMerchant() merchant: Merchant, @Body() body: CreatePlanDto): Promise<PlanDto> {
    return this.plans.create(merchant.id, body);
  }

  @Get(':id')
  @ApiOkResponse({ type: PlanDto })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<PlanDto> {
    return this.plans.get(merchant.id, id);
  }
}

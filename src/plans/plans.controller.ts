import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import { CreatePlanDto, ListPlansQueryDto, PlanDto, PlanPageDto } from './dto/plan.dto';
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

  @Get()
  @ApiOperation({ summary: 'Plans, newest first (cursor-paginated), archived ones included' })
  @ApiOkResponse({ type: PlanPageDto })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: ListPlansQueryDto): Promise<PlanPageDto> {
    return this.plans.list(merchant.id, query);
  }

  @Post(':id/archive')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a plan: no new subscriptions on it; existing ones keep billing' })
  @ApiOkResponse({ type: PlanDto })
  archive(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<PlanDto> {
    return this.plans.archive(merchant.id, id);
  }

  @Get(':id')
  @ApiOkResponse({ type: PlanDto })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<PlanDto> {
    return this.plans.get(merchant.id, id);
  }
}

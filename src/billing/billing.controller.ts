import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import { ChargeListView } from '../charges/dto/charge.dto';
import { ChargesService } from '../charges/charges.service';
import type { Merchant } from '../merchants/merchant.entity';
import { BillingService } from './billing.service';
import { BillingRunResult } from './dto/billing-run.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('v1/billing')
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly charges: ChargesService,
  ) {}

  @Post('runs')
  @Idempotent()
  @HttpCode(200)
  @ApiOkResponse({
    type: BillingRunResult,
    description: 'Runs the due-charge and reconcile passes now, for this merchant',
  })
  run(@CurrentMerchant() merchant: Merchant): Promise<BillingRunResult> {
    return this.billing.runNow(merchant.id);
  }

  @Get('review')
  @ApiOkResponse({
    type: ChargeListView,
    description: 'Charges unresolved after the last look-up (same as GET /v1/charges?review=true)',
  })
  async review(@CurrentMerchant() merchant: Merchant): Promise<ChargeListView> {
    return { data: await this.charges.listReview(merchant.id) };
  }
}

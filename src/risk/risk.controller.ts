import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Merchant } from '../merchants/merchant.entity';
import { EvaluateStcDto, StcEvaluationDto } from './dto/evaluate-stc.dto';
import { FraudnetParamsDto, FraudnetQueryDto } from './dto/fraudnet.dto';
import { ListRiskDecisionsQueryDto, RiskDecisionPageDto } from './dto/risk-decision.dto';
import { RiskService } from './risk.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

@ApiTags('risk')
@ApiBearerAuth()
@Controller('v1/risk')
export class RiskController {
  constructor(private readonly risk: RiskService) {}

  @Get('fraudnet')
  @ApiOperation({
    summary: 'Fraudnet parameters for the page that triggers a customer-present charge',
    description:
      'Embed as <script type="application/json" fncls="{fncls}">{"f":…,"s":…,"sandbox":…}</script> plus PayPal\'s fb.js. ' +
      "`f` is a new merchant_uid reserved for the coming charge (use it as that charge's merchant_uid). Android/iOS apps " +
      'call Magnes collectAndSubmit with the same merchant_uid as the PayPal client metadata id. Pass `merchantUid` to get ' +
      'the same `f` again on another page of the visit. A merchant without paypalAccountId: 422 PAYPAL_ACCOUNT_ID_REQUIRED.',
  })
  @ApiOkResponse({ type: FraudnetParamsDto })
  fraudnet(@CurrentMerchant() merchant: Merchant, @Query() query: FraudnetQueryDto): Promise<FraudnetParamsDto> {
    return this.risk.fraudnet(merchant.id, query);
  }

  @Post('stc/evaluate')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Build (and record) the PayPal STC data for a customer, in the three PG shapes',
    description:
      'What billing-key issuance and charges send: IMP.loadUI bypass (object), again bypass (JSON string) and Toss ' +
      'setTransactionContext (flat object). Required-policy merchants with missing data get 422 STC_DATA_REQUIRED with ' +
      'details naming the fields; an invalid riskContext is 422 STC_CONTEXT_INVALID. A decision record is written either way.',
  })
  @ApiOkResponse({ type: StcEvaluationDto })
  @ApiUnprocessableEntityResponse({
    description: 'STC_DATA_REQUIRED or STC_CONTEXT_INVALID, with details [{ field, source, errors }]',
  })
  evaluate(@CurrentMerchant() merchant: Merchant, @Body() body: EvaluateStcDto): Promise<StcEvaluationDto> {
    return this.risk.evaluateStc({
      merchantId: merchant.id,
      customerId: body.customerId,
      purpose: body.purpose ?? 'preflight',
      riskContext: body.riskContext,
    });
  }

  @Get('decisions')
  @ApiOperation({ summary: 'STC/risk decision records of this merchant, newest first (key names only, never values)' })
  @ApiOkResponse({ type: RiskDecisionPageDto })
  decisions(
    @CurrentMerchant() merchant: Merchant,
    @Query() query: ListRiskDecisionsQueryDto,
  ): Promise<RiskDecisionPageDto> {
    return this.risk.listDecisions(merchant.id, query);
  }
}

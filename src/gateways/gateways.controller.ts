import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { GatewayRegistry, type GatewayCapabilities } from '@app/pg-contract';

class GatewayDto {
  @ApiProperty({ example: 'portone-paypal-rt' }) code: string;
  @ApiProperty({ example: 'PortOne V1 PayPal RT (billing keys)' }) displayName: string;
  @ApiProperty({ description: 'What the gateway can do (pg-contract GatewayCapabilities)', type: Object })
  capabilities: GatewayCapabilities;
}

class GatewayListDto {
  @ApiProperty({ type: [GatewayDto] }) data: GatewayDto[];
}

@ApiTags('gateways')
@ApiBearerAuth()
@Controller('v1/gateways')
export class GatewaysController {
  constructor(private readonly registry: GatewayRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every registered gateway with its capabilities (from the registry)' })
  @ApiOkResponse({ type: GatewayListDto })
  list(): GatewayListDto {
    return {
      data: this.registry
        .list()
        .map((d) => ({ code: d.code, displayName: d.displayName, capabilities: d.capabilities })),
    };
  }
}

import { ApiProperty } from '@nestjs/swagger';

export class GatewayCredentialsViewDto {
  @ApiProperty({ description: 'A registered gateway code (GET /v1/gateways)', example: 'portone-paypal-rt' })
  gateway: string;
  @ApiProperty({ description: 'Masked hints only; secrets are never returned' }) hints: Record<string, string>;
  @ApiProperty() updatedAt: string;
}

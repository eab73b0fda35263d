import { ApiProperty } from '@nestjs/swagger';

export class BillingRunResult {
  @ApiProperty({ description: 'Due subscriptions claimed by this run' }) claimed: number;
  @ApiProperty({ description: 'Charges that succeeded (sent now or resolved by a look-up)' }) succeeded: number;
  @ApiProperty({ description: 'Charges that failed (declined, or refused before sending)' }) failed: number;
  @ApiProperty({ description: 'Charges the PG holds pending' }) pending: number;
  @ApiProperty({ description: 'Charges whose result is still unknown (looked up again on the backoff schedule)' })
  unknown: number;
}

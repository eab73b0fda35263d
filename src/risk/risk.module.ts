import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersModule } from '../customers/customers.module';
import { FraudnetReservation } from './fraudnet-reservation.entity';
import { RiskDecision } from './risk-decision.entity';
import { RiskController } from './risk.controller';
import { RiskRepository } from './risk.repository';
import { RiskService } from './risk.service';

/**
 * PayPal risk: STC data and its enforcement (RiskService.evaluateStc, called by billing-key issuance, charges and Toss
 * orders before anything is sent), Fraudnet/Magnes reservations (RiskService.consumeFraudnetReservation, called by
 * customer-present charges) and the decision record.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RiskDecision, FraudnetReservation]), CustomersModule],
  controllers: [RiskController],
  providers: [RiskRepository, RiskService],
  exports: [RiskService],
})
export class RiskModule {}

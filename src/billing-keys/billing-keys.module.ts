import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingKey } from './billing-key.entity';
import { BillingKeysRepository } from './billing-keys.repository';
import { BillingKeysService } from './billing-keys.service';

@Module({
  imports: [TypeOrmModule.forFeature([BillingKey])],
  providers: [BillingKeysRepository, BillingKeysService],
  exports: [BillingKeysService],
})
export class BillingKeysModule {}

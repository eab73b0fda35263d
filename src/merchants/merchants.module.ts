import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { SecretsKeyCheck } from '../common/crypto/secrets-key.check';
import { securityConfig, type SecurityConfig } from '../config/configuration';
import { GatewayCredential } from './gateway-credential.entity';
import { Merchant } from './merchant.entity';
import { MerchantsController } from './merchants.controller';
import { MerchantsRepository } from './merchants.repository';
import { MerchantsService, SECRET_BOX } from './merchants.service';

/** Global: the auth guard and every merchant-scoped module resolve the merchant and its PG credentials here. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Merchant, GatewayCredential])],
  controllers: [MerchantsController],
  providers: [
    MerchantsRepository,
    MerchantsService,
    SecretsKeyCheck,
    {
      provide: SECRET_BOX,
      inject: [securityConfig.KEY],
      useFactory: (s: SecurityConfig) => new SecretBox(s.secretsKeys),
    },
  ],
  exports: [MerchantsService, SECRET_BOX],
})
export class MerchantsModule {}

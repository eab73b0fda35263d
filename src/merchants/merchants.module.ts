import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { SECRET_BOX, SecretBox } from '../common/crypto/secret-box';
import { SecretsKeyCheck } from '../common/crypto/secrets-key.check';
import { securityConfig, type SecurityConfig } from '../config/configuration';
import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { GatewayCredential } from './gateway-credential.entity';
import { Merchant } from './merchant.entity';
import { MerchantsController } from './merchants.controller';
import { MerchantsRepository } from './merchants.repository';
import { MerchantsService } from './merchants.service';

/** Global: the auth guard and every merchant-scoped module resolve the merchant and its PG credentials here. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Merchant, GatewayCredential, ApiKey])],
  controllers: [MerchantsController, ApiKeysController],
  providers: [
    MerchantsRepository,
    MerchantsService,
    ApiKeysRepository,
    ApiKeysService,
    { provide: ApiKeyAuthenticator, useExisting: MerchantsService },
    SecretsKeyCheck,
    {
      provide: SECRET_BOX,
      inject: [securityConfig.KEY],
      useFactory: (s: SecurityConfig) => new SecretBox(s.secretsKeys),
    },
  ],
  exports: [MerchantsService, ApiKeyAuthenticator, SECRET_BOX],
})
export class MerchantsModule {}

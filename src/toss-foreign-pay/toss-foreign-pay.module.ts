import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { TossOrdersController, TossRedirectsController } from './toss-foreign-pay.controller';
import { TossOrdersAlias } from './toss-foreign-pay.orders';

/**
 * Toss foreign easy pay (PayPal, USD, one-time): the v1 routes only, as aliases of the one-time payments core
 * (OrdersModule), which owns orders, redirects, cancels and webhooks for every one-time gateway.
 */
@Module({
  imports: [OrdersModule],
  controllers: [TossOrdersController, TossRedirectsController],
  providers: [TossOrdersAlias],
})
export class TossForeignPayModule {}

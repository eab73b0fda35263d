import { Module, type OnModuleInit } from '@nestjs/common';
import { GatewayRegistry, GatewayRegistryError } from '@app/pg-contract';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events/events.module';
import { RiskModule } from '../risk/risk.module';
import { WebhookInboxModule } from '../webhook-inbox/webhook-inbox.module';
import { OrderCancel } from './order-cancel.entity';
import { OrderWebhookEvent } from './order-webhook-event.entity';
import { Order } from './order.entity';
import { OrderReturnsController, OrdersController } from './orders.controller';
import { oneTimeRegistrationProblems } from './orders.errors';
import { OrderEvents } from './orders.events';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { OrdersWebhookReceivers } from './orders.webhook-receivers';

/**
 * One-time payments for every registered gateway with `oneTimePayments`: orders, the success/fail redirects, cancels
 * and webhooks (through the core webhook endpoint), reaching PGs only through the contract (GatewaysModule is global).
 * A gateway's own v1 routes, if it has any, are aliases in its folder that use OrdersService.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Order, OrderCancel, OrderWebhookEvent]),
    CustomersModule,
    RiskModule,
    WebhookInboxModule,
    EventsModule,
  ],
  controllers: [OrdersController, OrderReturnsController],
  providers: [OrdersRepository, OrderEvents, OrdersService, OrdersWebhookReceivers],
  exports: [OrdersService, OrdersWebhookReceivers],
})
export class OrdersModule implements OnModuleInit {
  constructor(private readonly registry: GatewayRegistry) {}

  /** Refuses to boot with a one-time gateway this core cannot drive, as the registry does for missing capabilities. */
  onModuleInit(): void {
    const problems = oneTimeRegistrationProblems(this.registry);
    if (problems.length > 0) throw new GatewayRegistryError(problems);
  }
}

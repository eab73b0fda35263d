import { BillingKey } from '../billing-keys/billing-key.entity';
import { ChargeCancel } from '../charges/charge-cancel.entity';
import { Charge } from '../charges/charge.entity';
import { ChargeReviewAction } from '../charges/charge-review-action.entity';
import { Customer } from '../customers/customer.entity';
import { EventRecord } from '../events/event.entity';
import { IdempotencyRecord } from '../idempotency/idempotency-record.entity';
import { GatewayCredential } from '../merchants/gateway-credential.entity';
import { ApiKey } from '../merchants/api-key.entity';
import { Merchant } from '../merchants/merchant.entity';
import { Plan } from '../plans/plan.entity';
import { FraudnetReservation } from '../risk/fraudnet-reservation.entity';
import { RiskDecision } from '../risk/risk-decision.entity';
import { Subscription } from '../subscriptions/subscription.entity';
import { OrderCancel } from '../orders/order-cancel.entity';
import { Order } from '../orders/order.entity';
import { OrderWebhookEvent } from '../orders/order-webhook-event.entity';
import { WebhookPointer } from '../webhook-inbox/webhook-pointer.entity';
import { WebhookDelivery } from '../webhook-endpoints/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhook-endpoints/webhook-endpoint.entity';

/** Every entity, listed explicitly (no globs: the same list works under ts-node, jest and dist). */
export const entities = [
  Merchant,
  GatewayCredential,
  ApiKey,
  Customer,
  Plan,
  IdempotencyRecord,
  RiskDecision,
  FraudnetReservation,
  BillingKey,
  Subscription,
  Charge,
  ChargeCancel,
  ChargeReviewAction,
  Order,
  OrderCancel,
  OrderWebhookEvent,
  WebhookPointer,
  EventRecord,
  WebhookEndpoint,
  WebhookDelivery,
];

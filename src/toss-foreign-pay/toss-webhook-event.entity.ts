/** v1 name of the remembered one-time webhook deliveries (now the core's, src/orders), kept for existing imports. */
export { OrderWebhookEvent as TossWebhookEvent } from '../orders/order-webhook-event.entity';

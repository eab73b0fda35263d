/** v1 name of the one-time orders repository (now the core's, src/orders), kept for existing imports. */
export { OrdersRepository as TossForeignPayRepository } from '../orders/orders.repository';

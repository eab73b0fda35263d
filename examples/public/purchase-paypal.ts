/**
 * A one-time PayPal purchase (Toss foreign easy pay): the backend creates the order (it sets the amount) → the Toss
 * SDK's requestPayment opens the PayPal window → Toss sends the buyer to our success route, which confirms and
 * forwards to purchase-done.html.
 */
import { backend, buyerFields, onBuyerSubmit } from './checkout-api.js';
import { pay, type Order } from './toss-order.js';

onBuyerSubmit('Opening PayPal…', async () => {
  const order = await backend<Order>('POST', '/purchases', buyerFields());
  // The result page needs it if the buyer comes back without paying (the order stays open).
  sessionStorage.setItem('purchase', JSON.stringify(order));
  await pay(order);
});

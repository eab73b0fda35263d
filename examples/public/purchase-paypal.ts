/**
 * A one-time PayPal purchase (Toss foreign easy pay): the backend creates the order (it sets the amount) → the Toss
 * SDK's requestPayment opens the PayPal window → Toss sends the buyer to our success route, which confirms and
 * forwards to purchase-done.html.
 */
import { $, backend, describe, say, value } from './checkout-api.js';
import { pay, type Order } from './toss-order.js';

const form = $('buyer') as HTMLFormElement;
const start = $('start') as HTMLButtonElement;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void begin();
});

async function begin(): Promise<void> {
  start.disabled = true;
  say('Opening PayPal…');
  try {
    const order = await backend<Order>('POST', '/purchases', {
      email: value('email'),
      firstName: value('firstName'),
      lastName: value('lastName'),
      country: value('country'),
    });
    // The result page needs it if the buyer comes back without paying (the order stays open).
    sessionStorage.setItem('purchase', JSON.stringify(order));
    await pay(order);
  } catch (e) {
    say(`Could not start: ${describe(e)}`, 'bad');
    start.disabled = false;
  }
}

/**
 * A one-time PayPal purchase (Toss foreign easy pay): the backend creates the order (it sets the amount) → the Toss
 * SDK's requestPayment opens the PayPal window → Toss sends the buyer to our success route, which confirms and
 * forwards to purchase-done.html.
 */
import { $, backend, describe, say, value } from './checkout-api.js';
import { TossPayments, type ForeignEasyPayRequest } from './sdk.js';

interface Order {
  orderId: string;
  clientKey: string;
  clientSecret?: string;
  paymentRequest: ForeignEasyPayRequest;
}

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
    // The result page reads the order with its client secret.
    sessionStorage.setItem(`order:${order.orderId}`, order.clientSecret ?? '');
    const tossPayments = TossPayments();
    const payment = tossPayments(order.clientKey).payment({ customerKey: tossPayments.ANONYMOUS });
    await payment.requestPayment(order.paymentRequest);
  } catch (e) {
    say(`Could not start: ${describe(e)}`, 'bad');
    start.disabled = false;
  }
}

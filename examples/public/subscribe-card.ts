/**
 * Subscribe with a card (Toss automatic billing): the backend starts a billing key → the Toss SDK's
 * requestBillingAuth opens the card window → Toss sends the buyer to our return route, which issues the key and
 * forwards to card-done.html, where the subscription starts.
 */
import { $, backend, describe, say, value } from './checkout-api.js';
import { TossPayments, type BillingAuthRequest } from './sdk.js';

export interface CardCheckout {
  id: string;
  clientSecret: string;
  checkout: { init: { clientKey: string; customerKey: string }; request: BillingAuthRequest };
}

const form = $('buyer') as HTMLFormElement;
const start = $('start') as HTMLButtonElement;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void begin();
});

async function begin(): Promise<void> {
  start.disabled = true;
  say('Opening the card window…');
  try {
    const { billingKey } = await backend<{ billingKey: CardCheckout }>('POST', '/card-subscriptions', {
      email: value('email'),
      firstName: value('firstName'),
      lastName: value('lastName'),
      country: value('country'),
    });
    // Kept for the return page: it may need to open the window again (another card).
    sessionStorage.setItem(`card-checkout:${billingKey.id}`, JSON.stringify(billingKey));
    await openCardWindow(billingKey);
  } catch (e) {
    say(`Could not start: ${describe(e)}`, 'bad');
    start.disabled = false;
  }
}

export function openCardWindow({ checkout }: CardCheckout): Promise<void> {
  const payment = TossPayments()(checkout.init.clientKey).payment({ customerKey: checkout.init.customerKey });
  return payment.requestBillingAuth(checkout.request);
}

/**
 * Subscribe with a card (Toss automatic billing): the backend starts a billing key → the Toss SDK's
 * requestBillingAuth opens the card window → Toss sends the buyer to our return route, which issues the key and
 * forwards to card-done.html, where the subscription starts.
 */
import { openCardWindow, type CardCheckout } from './card-checkout.js';
import { backend, buyerFields, onBuyerSubmit } from './checkout-api.js';

onBuyerSubmit('Opening the card window…', async () => {
  const { billingKey } = await backend<{ billingKey: CardCheckout }>('POST', '/card-subscriptions', buyerFields());
  // Kept for the return page: it may need to open the window again (another card).
  sessionStorage.setItem(`card-checkout:${billingKey.id}`, JSON.stringify(billingKey));
  await openCardWindow(billingKey);
});

/**
 * Where the buyer lands after the card window (our return route adds billingKeyId and status): an active key is
 * subscribed by the backend; a key still pending (the card was declined or the window closed) is read with its client
 * secret, and the buyer may try another card with it.
 */
import { openCardWindow, type CardCheckout } from './card-checkout.js';
import {
  $,
  backend,
  describe,
  facts,
  getBillingKey,
  say,
  showSubscription,
  type SubscriptionView,
} from './checkout-api.js';

const query = new URLSearchParams(location.search);
const billingKeyId = query.get('billingKeyId') ?? '';
const stored = sessionStorage.getItem(`card-checkout:${billingKeyId}`);
const checkout = stored ? (JSON.parse(stored) as CardCheckout) : undefined;

async function main(): Promise<void> {
  if (!billingKeyId || !checkout) {
    say('This page is where Toss sends you back after the card window.', 'bad');
    return;
  }
  if (query.get('status') !== 'active') {
    const key = await getBillingKey(billingKeyId, checkout.clientSecret);
    say('Your card was not registered. You have not been charged.', 'bad');
    facts('facts', [['Card registration', key.status]]);
    const retry = $('retry') as HTMLButtonElement;
    retry.classList.remove('hidden');
    retry.addEventListener('click', () => {
      retry.disabled = true;
      openCardWindow(checkout).catch((e: unknown) => {
        say(describe(e), 'bad');
        retry.disabled = false;
      });
    });
    retry.focus();
    return;
  }
  say('Card registered. Starting your subscription…');
  showSubscription(await backend<SubscriptionView>('POST', '/subscriptions', { billingKeyId }));
}

main().catch((e: unknown) => say(describe(e), 'bad'));

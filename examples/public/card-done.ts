/**
 * Where the buyer lands after the card window (our return route adds billingKeyId and status): an active key is
 * subscribed by the backend; a key still pending (the card was declined or the window closed) is read with its client
 * secret, and the buyer may try another card with it.
 */
import { $, backend, describe, facts, getBillingKey, money, say } from './checkout-api.js';
import { TossPayments, type BillingAuthRequest } from './sdk.js';

interface CardCheckout {
  id: string;
  clientSecret: string;
  checkout: { init: { clientKey: string; customerKey: string }; request: BillingAuthRequest };
}

interface SubscriptionView {
  subscription: { id: string; status: string; nextChargeAt?: string };
  charges: Array<{ status: string; amount: number; currency: string }>;
}

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
      const payment = TossPayments()(checkout.checkout.init.clientKey).payment({
        customerKey: checkout.checkout.init.customerKey,
      });
      payment.requestBillingAuth(checkout.checkout.request).catch((e: unknown) => {
        say(describe(e), 'bad');
        retry.disabled = false;
      });
    });
    retry.focus();
    return;
  }
  say('Card registered. Starting your subscription…');
  const { subscription, charges } = await backend<SubscriptionView>('POST', '/subscriptions', { billingKeyId });
  const charge = charges[0];
  const ok = subscription.status === 'active';
  say(ok ? 'Subscribed: your Pro plan is active.' : `Subscription ${subscription.status}.`, ok ? 'ok' : 'bad');
  facts('facts', [
    ['Subscription', subscription.id],
    ['Status', subscription.status],
    ['First charge', charge ? `${money(charge.amount, charge.currency)} ${charge.status}` : 'not yet'],
    ['Next charge', subscription.nextChargeAt],
  ]);
}

main().catch((e: unknown) => say(describe(e), 'bad'));

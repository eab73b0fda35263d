/**
 * Subscribe with PayPal (PortOne PayPal RT): the backend starts a billing key → IMP.loadUI renders the PayPal button →
 * the buyer approves in PayPal's window → the callback's pointer completes the key (client secret) → the backend
 * subscribes the customer and shows the subscription and its first charge.
 */
import {
  $,
  backend,
  buyerFields,
  completeBillingKey,
  describe,
  facts,
  onBuyerSubmit,
  say,
  showSubscription,
  updateBillingKeyRequest,
  value,
  type BillingKey,
  type SubscriptionView,
} from './checkout-api.js';
import { IMP, type LoadUIRequest } from './sdk.js';

interface Started {
  billingKey: {
    id: string;
    clientSecret: string;
    checkout: { init: { userCode: string }; request: LoadUIRequest };
  };
}

const start = onBuyerSubmit('Preparing PayPal…', async () => {
  const started = await backend<Started>('POST', '/paypal-subscriptions', buyerFields());
  const { id, clientSecret, checkout } = started.billingKey;
  let request = checkout.request;
  IMP().init(checkout.init.userCode);
  IMP().loadUI(
    'paypal-rt',
    request,
    (response) => void finish(id, clientSecret, response.imp_uid, response.merchant_uid),
  );
  // A change before the click goes to the server first (it owns the request), then to the SDK.
  $('agreementName').addEventListener('change', () => {
    void updateBillingKeyRequest<LoadUIRequest>(id, clientSecret, { name: value('agreementName') })
      .then((updated) => {
        request = updated.checkout.request;
        IMP().updateLoadUIRequest('paypal-rt', request);
        say('Agreement name updated. Click the PayPal button to approve future payments.');
      })
      .catch((e: unknown) => say(`Could not update the agreement: ${describe(e)}`, 'bad'));
  });
  $('pay').classList.remove('hidden');
  say('Click the PayPal button to approve future payments.');
  (document.querySelector('.portone-ui-container button') as HTMLButtonElement | null)?.focus();
});

async function finish(id: string, secret: string, impUid: string | null, merchantUid: string): Promise<void> {
  if (!impUid) {
    say('PayPal was not opened. Try again.', 'bad');
    return;
  }
  say('Checking the billing agreement…');
  let key: BillingKey;
  try {
    key = await completeBillingKey(id, secret, { imp_uid: impUid, merchant_uid: merchantUid });
  } catch (e) {
    say(`Could not complete: ${describe(e)}`, 'bad');
    return;
  }
  if (key.status === 'pending') {
    say('PayPal is still reviewing this approval (pending). We will start your subscription once PayPal confirms.');
    facts('facts', [['Billing key', key.status]]);
    return;
  }
  if (key.status !== 'active') {
    say(`PayPal did not approve: ${key.failureMessage ?? key.failureCode ?? key.status}`, 'bad');
    facts('facts', [
      ['Billing key', key.status],
      ['Reason', key.failureCode],
    ]);
    // A failed issuance is over (its client secret with it): another attempt starts a new billing key.
    $('pay').classList.add('hidden');
    start.textContent = 'Try again';
    start.disabled = false;
    return;
  }
  say('Starting your subscription…');
  try {
    const view = await backend<SubscriptionView>('POST', '/subscriptions', { billingKeyId: id });
    // The agreement is made: its button and name field have nothing more to do.
    $('pay').classList.add('hidden');
    showSubscription(view);
  } catch (e) {
    say(`Could not subscribe: ${describe(e)}`, 'bad');
  }
}

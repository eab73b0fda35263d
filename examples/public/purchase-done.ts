/**
 * The merchant's return page after Toss (our success/fail routes add orderId, status, amount, currency, message, and
 * code on errors). Shows the order as the API reports it, and a refund button that goes through the merchant's
 * backend (a client secret cannot refund).
 */
import { $, backend, describe, facts, getTossOrder, money, say, sleep, type TossOrder } from './checkout-api.js';

const query = new URLSearchParams(location.search);
const orderId = query.get('orderId');
const secret = orderId ? (sessionStorage.getItem(`order:${orderId}`) ?? '') : '';

function show(order: TossOrder): void {
  facts('facts', [
    ['Order', order.orderId],
    ['Item', order.orderName],
    ['Amount', money(order.amount, order.currency)],
    ['Status', order.status],
    ['Refunded', money(order.refundedAmount ?? 0, order.currency)],
  ]);
}

async function main(): Promise<void> {
  if (!orderId || query.get('code')) {
    // A cancel in PayPal's window carries no orderId (Toss: PAY_PROCESS_CANCELED).
    say(query.get('message') ?? 'The payment did not go through.', 'bad');
    facts('facts', [['Result', query.get('code') ?? query.get('status')]]);
    return;
  }
  const order = await getTossOrder(orderId, secret);
  show(order);
  if (order.status !== 'paid') {
    say(`Payment ${order.status}.`, 'bad');
    return;
  }
  say(`Paid: thank you! ${money(order.amount, order.currency)} was charged to your PayPal account.`, 'ok');
  const refund = $('refund') as HTMLButtonElement;
  refund.classList.remove('hidden');
  refund.addEventListener('click', () => void doRefund(refund));
}

async function doRefund(button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  say('Refunding…');
  try {
    let order = await backend<TossOrder>('POST', `/purchases/${encodeURIComponent(orderId ?? '')}/refund`);
    // PayPal refunds finish asynchronously: the API reports a pending cancel until Toss says it is done.
    for (let i = 0; i < 20 && order.status !== 'canceled'; i++) {
      await sleep(500);
      order = await getTossOrder(orderId ?? '', secret);
    }
    show(order);
    const done = order.status === 'canceled';
    if (done) button.classList.add('hidden');
    say(
      done
        ? 'Refunded: the full amount goes back to your PayPal account.'
        : 'Refund requested: PayPal is processing it.',
      done ? 'ok' : 'info',
    );
  } catch (e) {
    say(`Could not refund: ${describe(e)}`, 'bad');
    button.disabled = false;
  }
}

main().catch((e: unknown) => say(describe(e), 'bad'));

/**
 * The merchant's return page after Toss (our success and fail routes add orderId, status, amount, currency, message,
 * and code on errors). A paid order is read by the merchant's backend (the client secret ends when the order is paid)
 * and can be refunded through it (a client secret cannot refund). A buyer who came back without paying finds the
 * order still open, read with its client secret, and may pay it again.
 */
import { $, backend, describe, facts, getTossOrder, money, say, sleep, type TossOrder } from './checkout-api.js';
import { pay, type Order } from './toss-order.js';

const query = new URLSearchParams(location.search);
const stored = sessionStorage.getItem('purchase');
const open = stored ? (JSON.parse(stored) as Order) : undefined;

function show(order: TossOrder): void {
  facts('facts', [
    ['Order', order.orderId],
    ['Item', order.orderName],
    ['Amount', money(order.amount, order.currency)],
    ['Status', order.status],
    ['Refunded', money(order.refundedAmount ?? 0, order.currency)],
  ]);
}

const readOrder = (orderId: string) => backend<TossOrder>('GET', `/purchases/${encodeURIComponent(orderId)}`);

async function main(): Promise<void> {
  const orderId = query.get('orderId');
  if (query.get('code') || !orderId) return notPaid();
  const order = await readOrder(orderId);
  show(order);
  if (order.status !== 'paid') {
    say(`Payment ${order.status}: ${query.get('message') ?? ''}`, 'bad');
    return;
  }
  say(`Paid: thank you! ${money(order.amount, order.currency)} was charged to your PayPal account.`, 'ok');
  const refund = $('refund') as HTMLButtonElement;
  refund.classList.remove('hidden');
  refund.addEventListener('click', () => void doRefund(refund, orderId));
}

/** The buyer closed PayPal's window, or PayPal refused: nothing was charged; an order still open can be paid again. */
async function notPaid(): Promise<void> {
  say(query.get('message') ?? 'The payment did not go through.', 'bad');
  const rows: Array<[string, unknown]> = [['Result', query.get('code') ?? query.get('status')]];
  // A cancel in the window carries no orderId (Toss: PAY_PROCESS_CANCELED): the order this tab started is the one.
  const order = open && (!query.get('orderId') || query.get('orderId') === open.orderId) ? open : undefined;
  if (order) {
    try {
      const current = await getTossOrder(order.orderId, order.clientSecret);
      rows.push(['Order', current.orderId], ['Order status', current.status]);
      const retry = $('retry') as HTMLButtonElement;
      retry.classList.remove('hidden');
      retry.addEventListener('click', () => {
        retry.disabled = true;
        pay(order).catch((e: unknown) => {
          say(describe(e), 'bad');
          retry.disabled = false;
        });
      });
    } catch {
      // The client secret no longer opens it: the order moved on (failed or paid elsewhere); start a new one.
    }
  }
  facts('facts', rows);
}

async function doRefund(button: HTMLButtonElement, orderId: string): Promise<void> {
  button.disabled = true;
  say('Refunding…');
  try {
    let order = await backend<TossOrder>('POST', `/purchases/${encodeURIComponent(orderId)}/refund`);
    // PayPal refunds finish asynchronously: the API reports a pending cancel until Toss says it is done.
    for (let i = 0; i < 20 && order.status !== 'canceled'; i++) {
      await sleep(500);
      order = await readOrder(orderId);
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

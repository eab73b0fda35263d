/**
 * The sandbox's PayPal window for PortOne PayPal RT billing keys (`/sandbox/portone/windows/paypal-rt`), opened by the
 * sandbox `iamport.js` in a frame. The merchant page's SDK posts it the loadUI request; the buyer's choice goes to the
 * sandbox's existing buyer route (`POST /sandbox/portone/buyer/billing-keys`), which holds every behaviour and its
 * source (a Korean account refused per seed 004, cancel, fail); the answer goes back to the SDK, which calls the
 * merchant's callback. "Pending" arms the sandbox's documented `pending` fault on this merchant_uid first (PayPal
 * holding the approval, seed 004 "승인 대기"), then calls the same route.
 */

interface RequestMessage {
  imp: 'sandbox';
  type: 'request';
  userCode: string;
  request: Record<string, unknown> & { merchant_uid: string; name?: string };
}

type Outcome = 'approve' | 'pending' | 'fail' | 'cancel';

const form = document.getElementById('buyer') as HTMLFormElement;
const status = document.getElementById('status') as HTMLElement;
const summary = document.getElementById('summary') as HTMLElement;
const buttons = Array.from(form.querySelectorAll<HTMLButtonElement>('button[data-outcome]'));
let pending: { message: RequestMessage; parentOrigin: string } | undefined;

window.addEventListener('message', (event: MessageEvent) => {
  const data = event.data as Partial<RequestMessage> | null;
  if (data?.imp !== 'sandbox' || data.type !== 'request' || event.source !== window.parent) return;
  pending = { message: data as RequestMessage, parentOrigin: event.origin };
  summary.textContent = `${data.request?.name ?? 'Billing agreement'} — the merchant will charge this account later (reference ${data.request?.merchant_uid}).`;
  for (const b of buttons) b.disabled = false;
  (document.getElementById('email') as HTMLInputElement).focus();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function choose(outcome: Outcome): Promise<void> {
  if (!pending) return;
  const { message, parentOrigin } = pending;
  for (const b of buttons) b.disabled = true;
  status.textContent = outcome === 'cancel' ? 'Returning to the merchant…' : 'Contacting PayPal…';
  if (outcome === 'pending') {
    const armed = await post('../../control/faults', {
      gateway: 'portone',
      operation: 'buyerBillingKey',
      match: { merchant_uid: message.request.merchant_uid },
      fault: { type: 'pending' },
    });
    if (armed.status !== 201) {
      status.textContent = `The sandbox refused the pending approval: ${JSON.stringify(armed.body)}`;
      return;
    }
  }
  const country = (document.getElementById('country') as HTMLSelectElement).value;
  const email = (document.getElementById('email') as HTMLInputElement).value;
  const answer = await post('../buyer/billing-keys', {
    userCode: message.userCode,
    request: message.request,
    buyer: { email, country, outcome: outcome === 'pending' ? 'approve' : outcome },
  });
  window.parent.postMessage({ imp: 'sandbox', type: 'result', response: answer.body }, parentOrigin);
}

for (const b of buttons) {
  if (b.type === 'submit') continue;
  b.addEventListener('click', () => void choose(b.dataset.outcome as Outcome));
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void choose('approve');
});

/**
 * The sandbox's PayPal window for Toss foreign easy pay (`/sandbox/toss/windows/payment`), where the sandbox Toss SDK's
 * `requestPayment` sends the page. The request arrives in the URL fragment; each button is one of the outcomes the
 * sandbox's buyer route already implements with its sources (`POST /sandbox/toss/buyer/payments`: approve, cancel,
 * abort, reject); the page then follows the redirect that route answers, as Toss's window does.
 */

interface WindowData {
  clientKey: string;
  paymentRequest: { orderName?: string; amount?: { currency?: string; value?: number } };
}

const status = document.getElementById('status') as HTMLElement;
const summary = document.getElementById('summary') as HTMLElement;
const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-outcome]'));

function read(): WindowData | undefined {
  try {
    return JSON.parse(decodeURIComponent(location.hash.slice(1))) as WindowData;
  } catch {
    return undefined;
  }
}

const data = read();
if (!data) {
  summary.textContent = 'This window opens from the merchant page (payment.requestPayment).';
} else {
  const { orderName, amount } = data.paymentRequest;
  summary.textContent = `${orderName ?? ''}: ${amount?.currency ?? ''} ${amount?.value ?? ''}`;
  for (const b of buttons) {
    b.disabled = false;
    b.addEventListener('click', () => void choose(b.dataset.outcome ?? 'approve'));
  }
  buttons[0]?.focus();
}

async function choose(outcome: string): Promise<void> {
  if (!data) return;
  for (const b of buttons) b.disabled = true;
  status.textContent = 'Contacting PayPal…';
  const res = await fetch(new URL('../buyer/payments', location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientKey: data.clientKey, paymentRequest: data.paymentRequest, buyer: { outcome } }),
  });
  const body = (await res.json()) as { redirectUrl?: string | null; message?: string; code?: string };
  if (!res.ok || !body.redirectUrl) {
    status.textContent = `Toss refused the request: ${body.code ?? res.status} ${body.message ?? ''}`;
    return;
  }
  location.replace(body.redirectUrl);
}

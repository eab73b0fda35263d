/**
 * The sandbox's card window for Toss automatic billing (`/sandbox/toss/windows/billing-auth`), where the sandbox Toss
 * SDK's `requestBillingAuth` sends the page. The request arrives in the URL fragment; each button is an outcome the
 * plugin's buyer route implements with its sources (`POST /sandbox/toss/buyer/billing-auth`: approve → successUrl
 * with customerKey and authKey; decline → failUrl with the card company's code; cancel → failUrl with
 * PAY_PROCESS_CANCELED); the page then follows the redirect, as Toss's window does. The card fields are decoration:
 * the sandbox never sees a card number.
 */

interface WindowData {
  clientKey: string;
  customerKey: string;
  request: Record<string, unknown>;
}

const form = document.getElementById('card') as HTMLFormElement;
const status = document.getElementById('status') as HTMLElement;
const summary = document.getElementById('summary') as HTMLElement;
const buttons = Array.from(form.querySelectorAll<HTMLButtonElement>('button[data-outcome]'));

function read(): WindowData | undefined {
  try {
    return JSON.parse(decodeURIComponent(location.hash.slice(1))) as WindowData;
  } catch {
    return undefined;
  }
}

const data = read();
if (!data) {
  summary.textContent = 'This window opens from the merchant page (payment.requestBillingAuth).';
} else {
  const who = typeof data.request.customerName === 'string' ? ` for ${data.request.customerName}` : '';
  summary.textContent = `The merchant asks to charge this card automatically${who}.`;
  for (const b of buttons) b.disabled = false;
  (document.getElementById('number') as HTMLInputElement).focus();
}

async function choose(outcome: string, code?: string): Promise<void> {
  if (!data) return;
  for (const b of buttons) b.disabled = true;
  status.textContent = 'Contacting the card company…';
  const res = await fetch(new URL('../buyer/billing-auth', location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      clientKey: data.clientKey,
      customerKey: data.customerKey,
      request: data.request,
      buyer: { outcome, ...(code ? { code } : {}) },
    }),
  });
  const body = (await res.json()) as { redirectUrl?: string; code?: string; message?: string };
  if (!res.ok || !body.redirectUrl) {
    status.textContent = `Toss refused the request: ${body.code ?? res.status} ${body.message ?? ''}`;
    return;
  }
  location.replace(body.redirectUrl);
}

for (const b of buttons) {
  if (b.type === 'submit') continue;
  b.addEventListener('click', () => void choose(b.dataset.outcome ?? 'cancel', b.dataset.code));
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void choose('approve');
});

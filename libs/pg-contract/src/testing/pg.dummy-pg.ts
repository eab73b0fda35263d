import type { Money } from '../pg.money';
import {
  landingPointer,
  type ConformanceFlow,
  type SandboxBuyer,
  type SandboxControl,
  type SandboxFault,
  type SandboxLedgerEntry,
} from './pg.sandbox-control';

/**
 * TEST ONLY. A tiny in-memory payment gateway that copies no real PG: the library's own specs run the conformance
 * suite against it (through {@link DummyAdapter}) to prove the suite passes a conforming adapter and fails broken
 * ones, without depending on any PG's sandbox. Its wire format is invented and stable; it is not a model of any PG.
 */

/** What the dummy PG answers: an HTTP-like status and a body, or a transport failure (thrown {@link DummyTransportError}). */
export interface DummyAnswer {
  readonly http: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The request never got an answer: `timeout` (the PG may have done the work) or `reset` (the connection dropped). */
export class DummyTransportError extends Error {
  constructor(readonly kind: 'timeout' | 'reset') {
    super(`dummy PG transport ${kind}`);
  }
}

/** The operations of the dummy PG's API. */
export type DummyOperation =
  'charge' | 'confirm' | 'getPayment' | 'findByReference' | 'cancel' | 'completeKey' | 'deleteKey';

/** A payment as the dummy PG stores it. */
export interface DummyPayment {
  readonly id: string;
  readonly reference: string;
  readonly amount: Money;
  status: 'paid' | 'pending' | 'failed';
  refunded: number;
  readonly cancels: { amount: number; status: 'done' | 'pending'; readonly cancelId: string }[];
}

interface Issuance {
  readonly reference: string;
  readonly billingKey: string;
  readonly approved: boolean;
  pgKey?: string;
}

interface Fault {
  readonly operation: DummyOperation;
  readonly reference?: string;
  readonly fault: SandboxFault;
  times: number;
}

/** How the dummy PG behaves. */
export interface DummyPgOptions {
  /** The PG mints its own billing key at completion (Toss-like) instead of charging under the id we sent (PortOne-like). */
  readonly mintsKeys?: boolean;
  /** The buyer comes back through a browser redirect (return / fail URL query) instead of an SDK callback. */
  readonly redirect?: boolean;
}

const FLOW_OPERATIONS: Readonly<Record<ConformanceFlow, readonly DummyOperation[]>> = {
  charge: ['charge'],
  confirm: ['confirm'],
  lookup: ['getPayment', 'findByReference'],
  cancel: ['cancel'],
  deleteBillingKey: ['deleteKey'],
};

/** The dummy PG: state, fault injection, ledger, and the buyer's window. */
export class DummyPg {
  private seq = 0;
  private readonly payments = new Map<string, DummyPayment>();
  private readonly byReference = new Map<string, string>();
  private readonly issuances = new Map<string, Issuance>();
  private readonly keys = new Map<string, { readonly issuedAs: string; active: boolean }>();
  private readonly checkouts = new Map<string, { readonly reference: string; readonly amount: Money }>();
  private readonly entries: SandboxLedgerEntry[] = [];
  private faults: Fault[] = [];

  constructor(readonly options: DummyPgOptions = {}) {}

  private id(prefix: string): string {
    return `${prefix}_${++this.seq}`;
  }

  private log(operation: string, outcome: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ seq: this.entries.length + 1, operation, outcome, account: 'dummy', ...fields });
  }

  private takeFault(operation: DummyOperation, reference: unknown): SandboxFault | undefined {
    const i = this.faults.findIndex(
      (f) => f.operation === operation && (f.reference === undefined || f.reference === reference),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (--f.times <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  /** One API call. Faults apply first; `timeout_after_commit` does the work and then loses the answer. */
  async call(operation: DummyOperation, req: Readonly<Record<string, unknown>>): Promise<DummyAnswer> {
    const fault = this.takeFault(operation, req.reference);
    if (fault?.type === 'reset_before') throw new DummyTransportError('reset');
    if (fault?.type === 'http_error')
      return {
        http: fault.status,
        body: { code: String(fault.code ?? 'FAULT'), message: fault.message ?? 'injected' },
      };
    const answer = this.handle(operation, req, fault);
    if (fault?.type === 'timeout_after_commit') throw new DummyTransportError('timeout');
    return answer;
  }

  private handle(
    op: DummyOperation,
    req: Readonly<Record<string, unknown>>,
    fault: SandboxFault | undefined,
  ): DummyAnswer {
    switch (op) {
      case 'getPayment': {
        const p = this.payments.get(String(req.id));
        return p
          ? { http: 200, body: view(p) }
          : { http: 404, body: { code: 'NOT_FOUND', message: 'no such payment' } };
      }
      case 'findByReference': {
        const id = this.byReference.get(String(req.reference));
        return id
          ? { http: 200, body: view(this.payments.get(id)!) }
          : { http: 404, body: { code: 'NOT_FOUND', message: 'no payment under this reference' } };
      }
      case 'completeKey': {
        const issuance = this.issuances.get(String(req.pointer));
        if (!issuance) return { http: 404, body: { code: 'NOT_FOUND', message: 'no such issuance' } };
        if (!issuance.approved)
          return {
            http: 200,
            body: { reference: issuance.reference, billingKey: issuance.billingKey, state: 'abandoned' },
          };
        if (!issuance.pgKey) {
          issuance.pgKey = this.options.mintsKeys ? this.id('pgkey') : issuance.billingKey;
          this.keys.set(issuance.pgKey, { issuedAs: issuance.billingKey, active: true });
        }
        return {
          http: 200,
          body: {
            reference: issuance.reference,
            billingKey: issuance.billingKey,
            key: issuance.pgKey,
            state: 'active',
          },
        };
      }
      case 'deleteKey': {
        const key = this.keys.get(String(req.key));
        const was = key?.active === true;
        if (key) key.active = false;
        this.log('deleteKey', was ? 'deleted' : 'absent', { key: req.key });
        return { http: 200, body: { deleted: true, alreadyAbsent: !was } };
      }
      case 'charge':
      case 'confirm':
        return this.pay(op, req, fault);
      case 'cancel':
        return this.cancel(req, fault);
    }
  }

  private pay(
    op: 'charge' | 'confirm',
    req: Readonly<Record<string, unknown>>,
    fault: SandboxFault | undefined,
  ): DummyAnswer {
    const reference = String(req.reference);
    const amount = req.amount as Money;
    const existing = this.byReference.get(reference);
    if (existing) return { http: 200, body: view(this.payments.get(existing)!) };
    const fields = { reference, amount: amount.amount, currency: amount.currency, key: req.key };
    if (!['USD', 'EUR'].includes(amount.currency)) {
      this.log(op, 'refused', fields);
      return { http: 400, body: { code: 'CURRENCY_REFUSED', message: 'currency refused' } };
    }
    if (op === 'charge') {
      const key = this.keys.get(String(req.key));
      if (!key?.active || key.issuedAs !== req.issuedAs) {
        this.log(op, 'declined', fields);
        return { http: 402, body: { code: 'KEY_NOT_ACTIVE', message: 'no active billing key' } };
      }
    } else {
      const checkout = this.checkouts.get(String(req.token));
      if (
        !checkout ||
        checkout.reference !== reference ||
        checkout.amount.amount !== amount.amount ||
        checkout.amount.currency !== amount.currency
      ) {
        this.log(op, 'refused', fields);
        return { http: 400, body: { code: 'CHECKOUT_MISMATCH', message: 'no such approved checkout' } };
      }
    }
    if (fault?.type === 'decline') {
      this.log(op, 'declined', fields);
      return { http: 402, body: { code: fault.code, message: fault.message ?? 'declined' } };
    }
    const p: DummyPayment = {
      id: this.id('pay'),
      reference,
      amount,
      status: fault?.type === 'pending' ? 'pending' : 'paid',
      refunded: 0,
      cancels: [],
    };
    this.payments.set(p.id, p);
    this.byReference.set(reference, p.id);
    this.log(op, p.status === 'pending' ? 'pending' : 'approved', { ...fields, id: p.id });
    return { http: 200, body: view(p) };
  }

  private cancel(req: Readonly<Record<string, unknown>>, fault: SandboxFault | undefined): DummyAnswer {
    const p = this.payments.get(String(req.id));
    if (!p || p.status !== 'paid') return { http: 404, body: { code: 'NOT_FOUND', message: 'no paid payment' } };
    const cancelId = String(req.cancelId);
    const replay = p.cancels.find((c) => c.cancelId === cancelId);
    if (replay) return { http: 200, body: { ...view(p), cancel: { ...replay } } };
    const held = p.cancels.filter((c) => c.status === 'pending').reduce((s, c) => s + c.amount, 0);
    const balance = p.amount.amount - p.refunded - held;
    const amount = req.amount === undefined ? balance : Number(req.amount);
    if (amount <= 0 || amount > balance) {
      this.log('cancel', 'refused', { reference: p.reference, amount });
      return { http: 400, body: { code: 'EXCEEDS_BALANCE', message: 'more than the refundable balance' } };
    }
    const c = { amount, status: fault?.type === 'pending' ? ('pending' as const) : ('done' as const), cancelId };
    p.cancels.push(c);
    if (c.status === 'done') p.refunded += amount;
    this.log('cancel', c.status, { reference: p.reference, amount });
    return { http: 200, body: { ...view(p), cancel: { ...c } } };
  }

  /** Drives this PG as the conformance suite's {@link SandboxControl}. */
  control(): SandboxControl {
    const ledger = async (reference: string) => this.entries.filter((e) => e.reference === reference);
    return {
      features: { pendingPayments: true, pendingCancels: true, declines: true },
      injectFault: async (flow, fault, options = {}) => {
        for (const operation of FLOW_OPERATIONS[flow])
          this.faults.push({ operation, reference: options.reference, fault, times: options.times ?? 1 });
      },
      clearFaults: async () => void (this.faults = []),
      ledger,
      charges: async (reference) =>
        (await ledger(reference)).filter(
          (e) => ['charge', 'confirm'].includes(e.operation) && ['approved', 'pending'].includes(e.outcome),
        ),
      settlePayment: async (id, to) => {
        const p = this.payments.get(id);
        if (p?.status !== 'pending') throw new Error(`dummy PG: payment ${id} is not pending`);
        p.status = to;
        this.log('settlement', to === 'paid' ? 'approved' : 'declined', { reference: p.reference });
      },
      settleCancels: async (id, to) => {
        const pending = this.payments.get(id)?.cancels.filter((c) => c.status === 'pending') ?? [];
        for (const c of pending) {
          if (to === 'done') this.payments.get(id)!.refunded += c.amount;
          else this.payments.get(id)!.cancels.splice(this.payments.get(id)!.cancels.indexOf(c), 1);
          c.status = 'done';
        }
        return pending.length > 0;
      },
      advanceClock: async () => undefined,
    };
  }

  /** The buyer in the dummy PG's window: answers the callback pointer, or the query of the URL the browser lands on. */
  buyer(): SandboxBuyer {
    return {
      approveBillingKey: async (client, outcome, approval) => {
        const r = client.request as {
          billingKey?: unknown;
          reference?: unknown;
          returnUrl?: unknown;
          failUrl?: unknown;
        };
        const pointer = this.id('auth');
        this.issuances.set(pointer, {
          reference: String(r.reference),
          billingKey: String(r.billingKey),
          approved: outcome === 'approve',
        });
        if (!this.options.redirect) return { pointer, reference: String(r.reference) };
        const landed = new URL(String(outcome === 'approve' ? r.returnUrl : r.failUrl));
        if (outcome === 'approve') landed.searchParams.set('authPointer', pointer);
        else landed.searchParams.set('code', outcome === 'cancel' ? 'USER_CANCEL' : 'AUTH_FAILED');
        // As a redirect driver does: the pointer is the query of where the browser landed, which must be our route.
        return approval ? landingPointer(landed.toString(), approval) : Object.fromEntries(landed.searchParams);
      },
      completeCheckout: async (checkout, outcome) => {
        const r = checkout.client.request as { reference: string; amount: Money; successUrl: string; failUrl: string };
        const fail: Record<string, string> = { code: 'USER_CANCEL', reference: r.reference };
        if (outcome !== 'approve') return { success: false, query: fail };
        const token = this.id('chk');
        this.checkouts.set(token, { reference: r.reference, amount: r.amount });
        return {
          success: true,
          query: { token, reference: r.reference, amount: String(r.amount.amount), currency: r.amount.currency },
        };
      },
    };
  }
}

function view(p: DummyPayment): Record<string, unknown> {
  return {
    id: p.id,
    reference: p.reference,
    amount: p.amount,
    status: p.status,
    refunded: p.refunded,
    cancels: p.cancels.map((c) => ({ ...c })),
  };
}

import type { PgAnswer, PgContext } from './sandbox.http';
import { unixSeconds } from './sandbox.format';
import {
  ok,
  refuse,
  type CustomerRecord,
  type Obj,
  type PaymentRecord,
  type PortoneDeps,
} from './sandbox.portone.model';
import { renderPortoneCustomer } from './sandbox.portone.render';

/** PortOne billing keys (`customer_uid`) per account: issued by the buyer window, looked up and deleted by the API. */
export class PortoneCustomers {
  private readonly customers = new Map<string, CustomerRecord>();

  constructor(private readonly d: PortoneDeps) {}

  get size(): number {
    return this.customers.size;
  }

  reset(): void {
    this.customers.clear();
  }

  active(account: string, customerUid: string): CustomerRecord | undefined {
    return this.customers.get(`${account}\u0000${customerUid}`);
  }

  /** A successful issuance makes the billing key chargeable (again, when the customer_uid is reused). */
  activate(p: PaymentRecord): void {
    const key = `${p.account}\u0000${p.customer_uid}`;
    const nowS = unixSeconds(this.d.clock.now());
    const existing = this.customers.get(key);
    this.customers.set(key, {
      account: p.account,
      customer_uid: p.customer_uid,
      customer_id: p.issue?.customer_id ?? null,
      pg_id: p.pg_id,
      name: p.buyer.name,
      email: p.buyer.email,
      tel: p.buyer.tel,
      inserted: existing?.inserted ?? nowS,
      updated: nowS,
    });
  }

  /** `GET /subscribe/customers/{customer_uid}`. */
  get(ctx: PgContext): PgAnswer {
    const c = this.active(ctx.account, (ctx.req.params as Obj).customer_uid as string);
    if (!c) return refuse(404, '등록되지 않은 구매자입니다.');
    return ok(renderPortoneCustomer(c));
  }

  /** `DELETE /subscribe/customers/{customer_uid}`: the key can no longer be charged. */
  delete(ctx: PgContext): PgAnswer {
    const customerUid = (ctx.req.params as Obj).customer_uid as string;
    const c = this.active(ctx.account, customerUid);
    const now = this.d.clock.now();
    if (!c) {
      this.d.ledger.append(now, {
        account: ctx.account,
        operation: 'deleteCustomer',
        outcome: 'refused',
        customer_uid: customerUid,
        code: -1,
      });
      return refuse(404, '등록되지 않은 구매자입니다.');
    }
    this.customers.delete(`${ctx.account}\u0000${customerUid}`);
    const reason = (ctx.req.query as Obj).reason;
    this.d.ledger.append(now, {
      account: ctx.account,
      operation: 'deleteCustomer',
      outcome: 'deleted',
      customer_uid: customerUid,
      reason: reason ?? null,
      code: 0,
    });
    return ok(renderPortoneCustomer(c));
  }
}

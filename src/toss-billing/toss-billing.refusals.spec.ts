import { TOSS_BILLING_REFUSALS, tossBillingRefusal } from './toss-billing.refusals';

describe('toss-billing refusals', () => {
  it('is data: every entry has a documented status, a kind, a fault and a source', () => {
    for (const [code, r] of Object.entries(TOSS_BILLING_REFUSALS)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect([400, 401, 403, 404, 409, 500]).toContain(r.http);
      expect(['hard', 'soft', 'unknown']).toContain(r.kind);
      expect(['buyer', 'input', 'merchant', 'pg']).toContain(r.fault);
      expect(['ERR', 'OAS', 'IDEM']).toContain(r.source);
    }
    expect(Object.isFrozen(TOSS_BILLING_REFUSALS)).toBe(true);
  });

  it('never blames the buyer for the merchant keys (a bad key must not revoke every card)', () => {
    for (const code of ['UNAUTHORIZED_KEY', 'INVALID_API_KEY', 'FORBIDDEN_REQUEST', 'NOT_FOUND_TERMINAL_ID']) {
      expect(tossBillingRefusal(code).fault).toBe('merchant');
    }
  });

  it('marks only dead cards as hard buyer refusals', () => {
    const hardBuyer = Object.entries(TOSS_BILLING_REFUSALS)
      .filter(([, r]) => r.kind === 'hard' && r.fault === 'buyer')
      .map(([c]) => c)
      .sort();
    expect(hardBuyer).toEqual([
      'INVALID_CARD_EXPIRATION',
      'INVALID_CARD_LOST_OR_STOLEN',
      'INVALID_CARD_NUMBER',
      'INVALID_REJECT_CARD',
      'INVALID_STOPPED_CARD',
    ]);
  });

  it('classifies "did it happen?" codes as unknown, to be looked up', () => {
    for (const code of [
      'ALREADY_PROCESSED_PAYMENT',
      'DUPLICATED_ORDER_ID',
      'IDEMPOTENT_REQUEST_PROCESSING',
      'FAILED_INTERNAL_SYSTEM_PROCESSING',
    ]) {
      expect(tossBillingRefusal(code).kind).toBe('unknown');
    }
  });

  it.each([
    ['NEW_CODE', 400, 'soft'],
    ['NEW_CODE', 403, 'soft'],
    ['NEW_CODE', 503, 'unknown'],
    ['NEW_CODE', undefined, 'unknown'],
    ['__proto__', 400, 'soft'],
    ['constructor', 400, 'soft'],
    [null, 400, 'soft'],
    [42, 500, 'unknown'],
  ])('is total: unlisted %p (HTTP %p) is %s, blamed on the PG, never permanent', (code, http, kind) => {
    const r = tossBillingRefusal(code, http);
    expect(r).toMatchObject({ kind, fault: 'pg', listed: false });
  });
});

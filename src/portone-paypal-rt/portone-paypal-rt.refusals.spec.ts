import { classifyRefusal, PORTONE_REFUSALS, UNLISTED_REFUSAL, type RefusalKind } from './portone-paypal-rt.refusals';

describe('PortOne refusal table', () => {
  it.each<[string, string | number | null, string, string, RefusalKind]>([
    // The only hard ones: a Korean buyer account, a refused currency, a key PortOne confirms gone.
    [
      'Korean buyer account (seed 004 message)',
      null,
      '구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.',
      'KOREAN_BUYER_ACCOUNT',
      'hard',
    ],
    ['Korean buyer account (our code)', 'KOREAN_BUYER_ACCOUNT', 'x', 'KOREAN_BUYER_ACCOUNT', 'hard'],
    ['refused currency', 'CURRENCY_NOT_SUPPORTED', 'PayPal does not take KRW', 'CURRENCY_NOT_SUPPORTED', 'hard'],
    ['billing key confirmed gone', 'BILLING_KEY_DELETED', '', 'BILLING_KEY_DELETED', 'hard'],
    // Need the customer look-up.
    ['again code -1, no message', -1, '', 'REQUEST_FAILED', 'unknown'],
    ['again code -1, unknown customer', -1, '등록되지 않은 구매자입니다.', 'UNKNOWN_CUSTOMER', 'unknown'],
    ['again code 1, unknown customer (older API)', 1, '등록되지 않은 구매자입니다.', 'UNKNOWN_CUSTOMER', 'unknown'],
    ['PayPal agreement cancelled', 'AGREEMENT_ALREADY_CANCELLED', 'gone', 'PAYPAL_AGREEMENT_OR_ACCOUNT', 'unknown'],
    ['PayPal account closed', 'PAYER_ACCOUNT_LOCKED_OR_CLOSED', '', 'PAYPAL_AGREEMENT_OR_ACCOUNT', 'unknown'],
    ['PayPal account restricted', 'PAYER_ACCOUNT_RESTRICTED', '', 'PAYPAL_AGREEMENT_OR_ACCOUNT', 'unknown'],
    // Soft.
    [
      'code -1 카드사 요청에 실패 (transient: the message wins over the bare code)',
      -1,
      '카드사 요청에 실패하였습니다.',
      'CARD_COMPANY_REQUEST_FAILED',
      'soft',
    ],
    ['funding declined', 'INSTRUMENT_DECLINED', '', 'PAYPAL_FUNDING_DECLINED', 'soft'],
    [
      "a soft PayPal code beats a hard rule's message pattern",
      'INSTRUMENT_DECLINED',
      '한국인 카드 거절',
      'PAYPAL_FUNDING_DECLINED',
      'soft',
    ],
    [
      'an English "korean" in a message is no Korean-account rule (unsourced)',
      null,
      'declined for a korean issuer',
      'REQUEST_REFUSED',
      'soft',
    ],
    ['payer cannot pay (was hard)', 'PAYER_CANNOT_PAY', '', 'PAYPAL_FUNDING_DECLINED', 'soft'],
    ['buyer closed the window', null, '[PayPal] 사용자가 결제를 취소하였습니다.', 'BUYER_CANCELED', 'soft'],
    ['an unlisted code', 42, 'brand new error', 'REQUEST_REFUSED', 'soft'],
    ['an unlisted PayPal issue', 'SOMETHING_NEW', '', 'REQUEST_REFUSED', 'soft'],
    ['nothing at all', null, '', 'REQUEST_REFUSED', 'soft'],
    ['a prototype key', '__proto__', 'constructor', 'REQUEST_REFUSED', 'soft'],
  ])('%s → %s', (_name, code, message, id, kind) => {
    const rule = classifyRefusal(code, message);
    expect([rule.id, rule.kind]).toEqual([id, kind]);
  });

  it('is total: anything unknown falls to the soft default', () => {
    expect(classifyRefusal(undefined, undefined)).toBe(UNLISTED_REFUSAL);
    expect(UNLISTED_REFUSAL.kind).toBe('soft');
  });

  it('holds exactly three hard rules, and every rule names its source', () => {
    expect(
      PORTONE_REFUSALS.filter((r) => r.kind === 'hard')
        .map((r) => r.id)
        .sort(),
    ).toEqual(['BILLING_KEY_DELETED', 'CURRENCY_NOT_SUPPORTED', 'KOREAN_BUYER_ACCOUNT']);
    for (const rule of PORTONE_REFUSALS) expect(rule.source.length).toBeGreaterThan(10);
    expect(new Set(PORTONE_REFUSALS.map((r) => r.id)).size).toBe(PORTONE_REFUSALS.length);
  });
});

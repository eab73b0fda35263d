import { TOSS_ERRORS } from '@app/pg-sandbox/sandbox.toss.errors';
import { TOSS_ERROR_STATUS as ERROR_STATUS } from './toss-foreign-pay.errors';
import { DomainError, statusOf } from '../common/errors/domain.error';
import { confirmErrorRule, TOSS_CANCEL_REFUSALS, TOSS_CONFIRM_ERRORS } from './toss-foreign-pay.mapper';
import {
  cancelRefusalError,
  TOSS_REFUSALS,
  tossRefusal,
  type RefusalFault,
  type RefusalKind,
} from './toss-foreign-pay.refusals';

describe('Toss refusals table', () => {
  // The digest's error table (pg-api-reference.md) and seed 000, code by code.
  it.each([
    ['NOT_FOUND_PAYMENT_SESSION', 404, 'hard', 'buyer'],
    ['REJECT_CARD_COMPANY', 403, 'soft', 'buyer'],
    ['FORBIDDEN_REQUEST', 403, 'hard', 'merchant'],
    ['UNAUTHORIZED_KEY', 401, 'hard', 'merchant'],
    ['ALREADY_PROCESSED_PAYMENT', 400, 'unknown', 'input'],
    ['PROVIDER_ERROR', 400, 'soft', 'pg'],
    ['INVALID_REQUEST', 400, 'hard', 'input'],
    ['NOT_FOUND_PAYMENT', 404, 'hard', 'input'],
    ['FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING', 500, 'unknown', 'pg'],
    ['FAILED_INTERNAL_SYSTEM_PROCESSING', 500, 'unknown', 'pg'],
    ['UNKNOWN_PAYMENT_ERROR', 500, 'unknown', 'pg'],
    ['ALREADY_CANCELED_PAYMENT', 400, 'hard', 'input'],
    ['NOT_CANCELABLE_AMOUNT', 403, 'hard', 'input'],
    ['NOT_CANCELABLE_PAYMENT', 403, 'hard', 'input'],
    ['NOT_ALLOWED_PARTIAL_REFUND', 403, 'hard', 'merchant'],
    ['FORBIDDEN_CONSECUTIVE_REQUEST', 403, 'soft', 'input'],
  ] as Array<[string, number, RefusalKind, RefusalFault]>)(
    '%s: HTTP %i, %s, fault of %s',
    (code, http, kind, fault) => {
      expect(tossRefusal(code)).toEqual({ http, kind, fault, source: expect.any(String), listed: true });
    },
  );

  it.each([
    ['an unlisted 4xx code', 'SOMETHING_NEW', 400, 'soft'],
    ['an unlisted 403 code', 'REJECT_TOSSPAY_INVALID_ACCOUNT', 403, 'soft'],
    ['an unlisted 5xx code', 'SOMETHING_BROKE', 502, 'unknown'],
    ['no status', 'SOMETHING_NEW', undefined, 'unknown'],
    ['a non-string code', 42, 400, 'soft'],
    ['a prototype key', '__proto__', 400, 'soft'],
  ] as Array<[string, unknown, number | undefined, RefusalKind]>)(
    'treats %s as %s, never permanent, blamed on the PG',
    (_name, code, http, kind) => {
      const refusal = tossRefusal(code, http);
      expect(refusal).toMatchObject({ kind, fault: 'pg', listed: false });
      expect(refusal.kind).not.toBe('hard');
    },
  );

  it('agrees with the confirm rules: hard/soft declines, refusals of ours, look-ups', () => {
    for (const [code, rule] of Object.entries(TOSS_CONFIRM_ERRORS)) {
      const refusal = TOSS_REFUSALS[code];
      expect({ code, listed: refusal !== undefined }).toEqual({ code, listed: true });
      const expected: Record<string, RefusalKind> = {
        decline_hard: 'hard',
        decline_soft: 'soft',
        refused: 'hard',
        busy: 'soft',
        lookup: 'unknown',
        unknown: 'unknown',
      };
      expect({ code, kind: refusal.kind }).toEqual({ code, kind: expected[rule.class] });
      // Only our own configuration or request is answered as "ours" (5xx with an operator alert).
      if (rule.class === 'refused')
        expect({ code, fault: refusal.fault }).toEqual({ code, fault: expect.stringMatching(/^(merchant|input)$/) });
      if (rule.operatorAlert) expect(refusal.fault).not.toBe('buyer');
    }
    for (const code of TOSS_CANCEL_REFUSALS)
      expect({ code, listed: code in TOSS_REFUSALS }).toEqual({ code, listed: true });
    expect(confirmErrorRule('SOMETHING_NEW', 400).class).toBe('decline_soft');
  });

  it('carries the HTTP status the sandbox answers for every code both know', () => {
    for (const [code, refusal] of Object.entries(TOSS_REFUSALS)) {
      if (TOSS_ERRORS[code]) expect({ code, http: TOSS_ERRORS[code].status }).toEqual({ code, http: refusal.http });
    }
  });

  it.each([
    ['NOT_CANCELABLE_AMOUNT', 'TOSS_CANCEL_REFUSED', 409, false],
    ['ALREADY_CANCELED_PAYMENT', 'TOSS_CANCEL_REFUSED', 409, false],
    ['INVALID_REQUEST', 'TOSS_CANCEL_REFUSED', 409, false],
    ['FORBIDDEN_REQUEST', 'TOSS_GATEWAY_MISCONFIGURED', 502, true],
    ['NOT_ALLOWED_PARTIAL_REFUND', 'TOSS_GATEWAY_MISCONFIGURED', 502, true],
    ['PROVIDER_ERROR', 'TOSS_PROVIDER_ERROR', 503, false],
    ['CANCEL_ABORTED', 'TOSS_PROVIDER_ERROR', 503, false],
    ['NEVER_SEEN_BEFORE', 'TOSS_PROVIDER_ERROR', 503, false],
  ])('answers a cancel refused with %s as %s (%i)', (tossCode, code, status, alerts) => {
    const alert = jest.fn();
    const err = cancelRefusalError(tossCode, alert);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe(code);
    // The status the core filter answers: from this folder's table, carried by the error.
    expect(statusOf(err)).toBe(status);
    expect(ERROR_STATUS[err.code as keyof typeof ERROR_STATUS]).toBe(status);
    expect(err.details).toEqual([{ field: 'cancel', errors: [tossCode] }]);
    expect(alert).toHaveBeenCalledTimes(alerts ? 1 : 0);
  });
});

import type { ConfirmInput, Money, OneTimeErrorKind, OneTimeFlow, RefusalAdvice, ReturnCheck } from '@app/pg-contract';
import { confirmErrorRule, failCodeRule, TOSS_CONFIRM_ERRORS, TOSS_FAIL_CODES } from './toss-foreign-pay.mapper';
import { checkRedirect } from './toss-foreign-pay.redirect';
import { cancelRefusalError } from './toss-foreign-pay.refusals';

/**
 * What the one-time payments core asks of Toss beyond its API calls, as pure functions over this folder's tables: the
 * success redirect checked against the stored order (seed 000: the buyer can edit the query), and what a Toss refusal
 * code means for the flow (TOSS_CONFIRM_ERRORS, TOSS_FAIL_CODES, TOSS_REFUSALS).
 */

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
/** Our codes are `TOSS_<kind>` (descriptor `errorCodePrefix: 'TOSS'`): the kind is what the core needs. */
const kindOf = (code: string): OneTimeErrorKind => code.replace(/^TOSS_/, '') as OneTimeErrorKind;

/** The success redirect's paymentKey, or why it cannot be confirmed (`checkRedirect`). */
export function checkTossReturn(
  input: Pick<ConfirmInput, 'reference' | 'pointer'> & { readonly expected: Money },
): ReturnCheck {
  const check = checkRedirect(input.reference, input.expected, input.pointer);
  if (check.ok) return { ok: true, gatewayPaymentId: check.paymentKey };
  const code = check.refused.code;
  return {
    ok: false,
    problem: code === 'PAYMENT_KEY_MISSING' || code === 'PAYMENT_KEY_INVALID' ? 'pointer_invalid' : 'mismatch',
    code,
  };
}

/** A Toss code for a step of the flow → the core's advice. Total: unlisted codes are never permanent. */
export function describeTossRefusal(flow: OneTimeFlow, code: string, httpStatus?: number): RefusalAdvice {
  switch (flow) {
    case 'confirm': {
      const rule = confirmErrorRule(code, httpStatus);
      return {
        ...(rule.code ? { error: kindOf(rule.code) } : {}),
        message: rule.message,
        operatorAlert: rule.operatorAlert === true,
        failsOrder: true,
        listed: hasOwn(TOSS_CONFIRM_ERRORS, code),
      };
    }
    case 'fail_redirect': {
      const rule = failCodeRule(code);
      return {
        message: rule.message,
        operatorAlert: false,
        failsOrder: rule.failsOrder,
        listed: hasOwn(TOSS_FAIL_CODES, code),
      };
    }
    default: {
      let alert = false;
      const err = cancelRefusalError(code, () => (alert = true));
      return { error: kindOf(err.code), message: err.message, operatorAlert: alert, failsOrder: false, listed: true };
    }
  }
}

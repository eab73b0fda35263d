/**
 * Toss error codes this sandbox answers, with the HTTP status Toss documents for each and a message in Toss's style.
 * Codes and statuses: pg-api-reference.md's error and idempotency sections and seed 000; REJECT_CARD_PAYMENT,
 * REJECT_ACCOUNT_PAYMENT and DUPLICATED_ORDER_ID from Toss's public error-code page (docs.tosspayments.com).
 * A decline fault or `TossPayments-Test-Code` with a code outside this table answers 400 (Toss's generic client error).
 */
export const TOSS_ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  UNAUTHORIZED_KEY: { status: 401, message: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.' },
  INVALID_REQUEST: { status: 400, message: '잘못된 요청입니다.' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, message: '멱등키가 올바르지 않습니다.' },
  ALREADY_PROCESSED_PAYMENT: { status: 400, message: '이미 처리된 결제 입니다.' },
  ALREADY_CANCELED_PAYMENT: { status: 400, message: '이미 취소된 결제 입니다.' },
  DUPLICATED_ORDER_ID: {
    status: 400,
    message: '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.',
  },
  PROVIDER_ERROR: { status: 400, message: '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.' },
  REJECT_CARD_COMPANY: { status: 403, message: '결제 승인이 거절되었습니다.' },
  REJECT_CARD_PAYMENT: { status: 403, message: '한도초과 혹은 잔액부족으로 결제에 실패했습니다.' },
  REJECT_ACCOUNT_PAYMENT: { status: 403, message: '잔액부족으로 결제에 실패했습니다.' },
  FORBIDDEN_REQUEST: { status: 403, message: '허용되지 않은 요청입니다.' },
  FORBIDDEN_CONSECUTIVE_REQUEST: {
    status: 403,
    message: '반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요.',
  },
  NOT_CANCELABLE_AMOUNT: { status: 403, message: '취소 할 수 없는 금액 입니다.' },
  NOT_CANCELABLE_PAYMENT: { status: 403, message: '취소 할 수 없는 결제 입니다.' },
  NOT_ALLOWED_PARTIAL_REFUND: { status: 403, message: '부분 환불이 허용되지 않는 결제입니다.' },
  NOT_FOUND_PAYMENT: { status: 404, message: '존재하지 않는 결제 정보 입니다.' },
  NOT_FOUND_PAYMENT_SESSION: { status: 404, message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.' },
  IDEMPOTENT_REQUEST_PROCESSING: { status: 409, message: '이전 멱등 요청이 처리 중입니다. 잠시 후 다시 시도해주세요.' },
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: { status: 500, message: '결제가 완료되지 않았어요. 다시 시도해주세요.' },
  FAILED_INTERNAL_SYSTEM_PROCESSING: {
    status: 500,
    message: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.',
  },
  UNKNOWN_PAYMENT_ERROR: {
    status: 500,
    message: '결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.',
  },
};

/** HTTP status and message for a Toss error code (400 and a generic message when the code is not in the table). */
export function tossError(
  code: string,
  message?: string,
  status?: number,
): { status: number; body: { code: string; message: string } } {
  const known = TOSS_ERRORS[code];
  return {
    status: status ?? known?.status ?? 400,
    body: { code, message: message ?? known?.message ?? '요청을 처리하지 못했습니다.' },
  };
}

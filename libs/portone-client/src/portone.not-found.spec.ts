import { z } from 'zod';
import { interpretPortoneOutcome } from './portone.client';
import { isPortoneNotFound } from './portone.not-found';

const anything = z.unknown();
const answer = (httpStatus: number, body: unknown) =>
  interpretPortoneOutcome<unknown>({ kind: 'response', httpStatus, body: JSON.stringify(body) }, anything);

describe('isPortoneNotFound: HTTP 404, or HTTP 200 with code ≠ 0 and a not-found message', () => {
  it.each<[string, number, unknown, boolean]>([
    [
      'HTTP 404 (OpenAPI: 유효하지 않은 imp_uid)',
      404,
      { code: -1, message: '존재하지 않는 결제정보입니다', response: null },
      true,
    ],
    [
      'HTTP 200 code 1 취소할 결제건이 존재하지 않습니다 (python tests/test_cancel.py)',
      200,
      { code: 1, message: '취소할 결제건이 존재하지 않습니다.', response: null },
      true,
    ],
    [
      'HTTP 200 code 1 등록되지 않은 구매자입니다 (python tests/test_pay_again.py, earlier)',
      200,
      { code: 1, message: '등록되지 않은 구매자입니다.', response: null },
      true,
    ],
    [
      'HTTP 200 code -1 유효하지 않은 customer_uid',
      200,
      { code: -1, message: '유효하지 않은 customer_uid', response: null },
      true,
    ],
    [
      'HTTP 200 code -1 without a not-found message (a transient refusal)',
      200,
      { code: -1, message: '카드사 요청에 실패하였습니다.', response: null },
      false,
    ],
    [
      'HTTP 200 code 1 already cancelled',
      200,
      { code: 1, message: '이미 전액취소된 주문입니다.', response: null },
      false,
    ],
    ['HTTP 200 code 0', 200, { code: 0, message: '존재하지 않는 결제정보입니다', response: {} }, false],
    ['HTTP 400 code -1', 400, { code: -1, message: 'bad', response: null }, false],
    [
      'HTTP 500 with a not-found message',
      500,
      { code: -1, message: '존재하지 않는 결제정보입니다', response: null },
      false,
    ],
  ])('%s → %s', (_name, status, body, expected) => {
    expect(isPortoneNotFound(answer(status, body))).toBe(expected);
  });

  it('a refused key pair (auth phase) is never "not found"', () => {
    expect(isPortoneNotFound({ kind: 'pg_error', httpStatus: 404, code: -1, message: 'x', phase: 'auth' })).toBe(false);
    expect(isPortoneNotFound({ kind: 'unknown', reason: 'response_timeout', detail: 'no answer' })).toBe(false);
  });
});

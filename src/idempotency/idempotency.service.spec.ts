import { canonicalJson, hashRequest } from './idempotency.service';

describe('request hashing for Idempotency-Key', () => {
  it('ignores key order but not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
    expect(hashRequest('POST', '/v1/plans', { a: 1, b: 2 })).toBe(hashRequest('post', '/v1/plans', { b: 2, a: 1 }));
    expect(hashRequest('POST', '/v1/plans', { a: 1 })).not.toBe(hashRequest('POST', '/v1/plans', { a: 2 }));
  });

  it('binds the hash to the method and path', () => {
    expect(hashRequest('POST', '/v1/plans', {})).not.toBe(hashRequest('POST', '/v1/customers', {}));
    expect(hashRequest('POST', '/v1/x', {})).not.toBe(hashRequest('PUT', '/v1/x', {}));
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

import {
  booleanish,
  clip,
  newOpaqueId,
  newPaymentKey,
  newPaypalTransactionId,
  newTransactionKey,
  numberish,
  toMajor,
  toMinor,
  tossTime,
  tossWebhookTime,
  unixSeconds,
} from './sandbox.format';

describe('money conversion at the PG edge', () => {
  it.each([
    [10.5, 2, 1050],
    [10.1, 2, 1010],
    [0.29, 2, 29],
    [19.99, 2, 1999],
    [1500, 0, 1500],
    [0.01, 2, 1],
  ])('toMinor(%p, %p) = %p', (amount, exp, minor) => {
    expect(toMinor(amount, exp)).toBe(minor);
    expect(toMajor(minor, exp)).toBe(amount);
  });

  it.each([
    [10.555, 2],
    [15.5, 0],
    [0, 2],
    [-1, 2],
    [Number.NaN, 2],
    [Number.POSITIVE_INFINITY, 2],
    [1e300, 2],
  ])('toMinor refuses %p with %p decimals', (amount, exp) => {
    expect(toMinor(amount, exp)).toBeUndefined();
  });

  it('allows zero only when asked', () => {
    expect(toMinor(0, 2, true)).toBe(0);
  });

  it('reads numbers and booleans from JSON or form strings', () => {
    expect(numberish('12.34')).toBe(12.34);
    expect(numberish(' 5 ')).toBe(5);
    expect(numberish('1e3')).toBeUndefined();
    expect(numberish('')).toBeUndefined();
    expect(numberish({})).toBeUndefined();
    expect(booleanish('true')).toBe(true);
    expect(booleanish(false)).toBe(false);
    expect(booleanish('yes')).toBeUndefined();
  });
});

describe('PG time formats', () => {
  const ms = Date.parse('2026-03-01T15:04:05.678Z');
  it('Toss: Korea time with +09:00, seconds precision', () => {
    expect(tossTime(ms)).toBe('2026-03-02T00:04:05+09:00');
  });
  it('Toss webhook createdAt: Korea local time with microseconds, no offset', () => {
    expect(tossWebhookTime(ms)).toBe('2026-03-02T00:04:05.678000');
  });
  it('PortOne: Unix seconds', () => {
    expect(unixSeconds(ms)).toBe(Math.floor(ms / 1000));
  });
});

describe('random ids (from a pooled random source)', () => {
  it('keep their formats and never repeat, across many refills of the pool', () => {
    // 17 + 12 + 16 + 46 bytes per round: 3,000 rounds draw ≈ 273 KB, ≈ 67 refills of the 4 KiB pool.
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const ids = [newPaypalTransactionId(), newOpaqueId('wh_'), newTransactionKey(), newPaymentKey()];
      expect(ids[0]).toMatch(/^[A-Z0-9]{17}$/);
      expect(ids[1]).toMatch(/^wh_[0-9a-f]{24}$/);
      expect(ids[2]).toMatch(/^[0-9a-f]{32}$/);
      expect(ids[3]).toMatch(/^tsbx[A-Za-z0-9]{46}$/);
      for (const id of ids) seen.add(id);
    }
    expect(seen.size).toBe(4 * 3000);
  });

  it('an id larger than the pool still comes out whole and random', () => {
    const a = newOpaqueId('', 5000);
    const b = newOpaqueId('', 5000);
    expect(a).toMatch(/^[0-9a-f]{10000}$/);
    expect(a).not.toBe(b);
  });
});

describe('clip (PortOne maxLengths)', () => {
  it('cuts to the limit in code points and leaves shorter values and null alone', () => {
    expect(clip('N'.repeat(41), 40)).toBe('N'.repeat(40));
    expect(clip('abc', 40)).toBe('abc');
    expect(clip(null, 40)).toBeNull();
    // JSON Schema's maxLength counts code points: an emoji is one, and is never split in half.
    expect(clip('😀'.repeat(20), 16)).toBe('😀'.repeat(16));
    expect(clip('😀'.repeat(8), 16)).toBe('😀'.repeat(8));
  });
});

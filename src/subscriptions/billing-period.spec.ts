import { cyclePeriod, cycleStart, type Interval } from './billing-period';

const d = (s: string) => new Date(s);
const iso = (x: Date) => x.toISOString();

describe('cycleStart', () => {
  it('keeps a month-end anchor: Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 (non-leap)', () => {
    const anchor = d('2027-01-31T10:00:00Z');
    expect([0, 1, 2, 3, 4].map((c) => iso(cycleStart(anchor, 'month', 1, c)))).toEqual([
      '2027-01-31T10:00:00.000Z',
      '2027-02-28T10:00:00.000Z',
      '2027-03-31T10:00:00.000Z',
      '2027-04-30T10:00:00.000Z',
      '2027-05-31T10:00:00.000Z',
    ]);
  });

  it('uses Feb 29 in a leap year', () => {
    expect(iso(cycleStart(d('2028-01-31T00:00:00Z'), 'month', 1, 1))).toBe('2028-02-29T00:00:00.000Z');
  });

  it('clamps a Feb 29 yearly anchor to Feb 28 and returns to Feb 29 in the next leap year', () => {
    const anchor = d('2028-02-29T12:00:00Z');
    expect([1, 2, 3, 4].map((c) => iso(cycleStart(anchor, 'year', 1, c)))).toEqual([
      '2029-02-28T12:00:00.000Z',
      '2030-02-28T12:00:00.000Z',
      '2031-02-28T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
    ]);
  });

  it.each<[Interval, number, number, string]>([
    ['day', 1, 1, '2027-03-16T08:30:00.000Z'],
    ['day', 7, 2, '2027-03-29T08:30:00.000Z'],
    ['week', 1, 1, '2027-03-22T08:30:00.000Z'],
    ['week', 2, 3, '2027-04-26T08:30:00.000Z'],
    ['month', 3, 1, '2027-06-15T08:30:00.000Z'],
    ['month', 1, 12, '2028-03-15T08:30:00.000Z'],
    ['year', 1, 1, '2028-03-15T08:30:00.000Z'],
    ['year', 2, 2, '2031-03-15T08:30:00.000Z'],
  ])('%s x %i, cycle %i', (interval, count, cycle, expected) => {
    expect(iso(cycleStart(d('2027-03-15T08:30:00Z'), interval, count, cycle))).toBe(expected);
  });

  it('crosses year ends with month arithmetic', () => {
    expect(iso(cycleStart(d('2027-11-30T00:00:00Z'), 'month', 3, 1))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(cycleStart(d('2027-12-31T00:00:00Z'), 'month', 1, 2))).toBe('2028-02-29T00:00:00.000Z');
  });

  it('gives contiguous periods', () => {
    const anchor = d('2027-01-31T00:00:00Z');
    for (let c = 0; c < 24; c++) {
      expect(cyclePeriod(anchor, 'month', 1, c).end).toEqual(cyclePeriod(anchor, 'month', 1, c + 1).start);
    }
  });

  it('refuses nonsense counts and cycles', () => {
    expect(() => cycleStart(new Date(), 'month', 0, 1)).toThrow(RangeError);
    expect(() => cycleStart(new Date(), 'month', 1, -1)).toThrow(RangeError);
    expect(() => cycleStart(new Date(), 'month', 1.5, 1)).toThrow(RangeError);
  });
});

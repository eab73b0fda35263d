import {
  classifyDecline,
  defineDeclineTable,
  defineStatusTable,
  mapStatus,
  type StatusClass,
  type StatusFallback,
} from './pg.mapper';

const table = defineStatusTable({ paid: 'SUCCEEDED', ready: 'PENDING', failed: 'DECLINED', cancelled: 'SUCCEEDED' });
const pendingTable = defineStatusTable({ DONE: 'SUCCEEDED', ABORTED: 'DECLINED' }, 'PENDING');

describe('mapStatus', () => {
  it.each<[unknown, StatusClass]>([
    ['paid', 'SUCCEEDED'],
    ['ready', 'PENDING'],
    ['failed', 'DECLINED'],
    ['cancelled', 'SUCCEEDED'],
    ['PAID', 'UNKNOWN'],
    [' paid', 'UNKNOWN'],
    ['refunded', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    ['__proto__', 'UNKNOWN'],
    ['constructor', 'UNKNOWN'],
    ['toString', 'UNKNOWN'],
    ['hasOwnProperty', 'UNKNOWN'],
    [null, 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
    [1, 'UNKNOWN'],
    [{ status: 'paid' }, 'UNKNOWN'],
    [['paid'], 'UNKNOWN'],
  ])('%j -> %s', (raw, cls) => {
    expect(mapStatus(table, raw)).toBe(cls);
  });

  it.each<[unknown, StatusClass]>([
    ['DONE', 'SUCCEEDED'],
    ['ABORTED', 'DECLINED'],
    ['IN_PROGRESS', 'PENDING'],
    ['SOMETHING_NEW', 'PENDING'],
    [null, 'PENDING'],
  ])('with a PENDING fallback: %j -> %s', (raw, cls) => {
    expect(mapStatus(pendingTable, raw)).toBe(cls);
  });

  it('never maps an unlisted status to SUCCEEDED or DECLINED, whatever the table', () => {
    const samples = ['x', 'Paid', 'DONE ', '0', 'true', 'success', 'SUCCEEDED'];
    for (const t of [table, pendingTable]) {
      for (const raw of samples) expect(['PENDING', 'UNKNOWN']).toContain(mapStatus(t, raw));
    }
  });

  it.each<unknown>(['SUCCEEDED', 'DECLINED', 'paid', undefined as unknown as string])(
    'refuses fallback %j',
    (fallback) => {
      if (fallback === undefined) return expect(defineStatusTable({}).fallback).toBe('UNKNOWN');
      expect(() => defineStatusTable({ paid: 'SUCCEEDED' }, fallback as StatusFallback)).toThrow(TypeError);
    },
  );

  it('refuses entries with invalid classes', () => {
    expect(() => defineStatusTable({ paid: 'OK' as StatusClass })).toThrow(/paid/);
  });

  it('is frozen and does not see later changes to the source object', () => {
    const source: Record<string, StatusClass> = { paid: 'SUCCEEDED' };
    const t = defineStatusTable(source);
    source.refunded = 'SUCCEEDED';
    expect(mapStatus(t, 'refunded')).toBe('UNKNOWN');
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.entries)).toBe(true);
  });
});

describe('classifyDecline', () => {
  const declines = defineDeclineTable({
    REJECT_CARD_COMPANY: 'soft',
    INVALID_BILLING_KEY: 'hard',
    PROVIDER_ERROR: 'soft',
  });

  it.each<[unknown, string]>([
    ['REJECT_CARD_COMPANY', 'soft'],
    ['INVALID_BILLING_KEY', 'hard'],
    ['PROVIDER_ERROR', 'soft'],
    ['SOMETHING_ELSE', 'soft'],
    ['__proto__', 'soft'],
    [undefined, 'soft'],
  ])('%j -> %s', (code, kind) => {
    expect(classifyDecline(declines, code)).toBe(kind);
  });

  it('honours a hard fallback', () => {
    expect(classifyDecline(defineDeclineTable({ X: 'soft' }, 'hard'), 'Y')).toBe('hard');
    expect(classifyDecline(defineDeclineTable({ X: 'soft' }, 'hard'), 'X')).toBe('soft');
  });

  it('refuses invalid kinds', () => {
    expect(() => defineDeclineTable({ X: 'maybe' as 'hard' })).toThrow(TypeError);
    expect(() => defineDeclineTable({}, 'maybe' as 'hard')).toThrow(TypeError);
  });
});

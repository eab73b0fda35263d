import { decodeCursor, encodeCursor } from './cursor';
import { pageParams } from './keyset';
import { toPage } from './page';

const row = (i: number) => ({ id: `cus_${i}`, createdAt: new Date(Date.UTC(2026, 11, 7, 0, 0, 60 - i)) });

describe('toPage', () => {
  it('uses the extra row only to say there is more, and points the cursor at the last row returned', () => {
    const page = toPage([row(1), row(2), row(3)], 2, (r) => r.id);
    expect(page.data).toEqual(['cus_1', 'cus_2']);
    expect(page.hasMore).toBe(true);
    expect(decodeCursor(page.nextCursor as string)).toEqual(row(2));
  });

  it('has no cursor on the last page, nor on an empty one', () => {
    expect(toPage([row(1), row(2)], 2, (r) => r.id)).toEqual({
      data: ['cus_1', 'cus_2'],
      hasMore: false,
      nextCursor: null,
    });
    expect(toPage([], 20, (r: { id: string; createdAt: Date }) => r.id)).toEqual({
      data: [],
      hasMore: false,
      nextCursor: null,
    });
  });
});

describe('pageParams', () => {
  it('defaults the limit to 20 and decodes the cursor', () => {
    expect(pageParams({})).toEqual({ limit: 20 });
    expect(pageParams({ limit: 5, cursor: encodeCursor(row(4)) })).toEqual({ limit: 5, after: row(4) });
  });

  it('refuses a cursor it did not hand out with 400 VALIDATION_FAILED on `cursor`', () => {
    expect(() => pageParams({ cursor: 'bm9wZQ' })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'cursor', errors: ['invalid cursor'] }],
      }),
    );
  });
});

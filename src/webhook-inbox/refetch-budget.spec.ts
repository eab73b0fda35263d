import { RefetchBudget } from './refetch-budget';

describe('RefetchBudget', () => {
  it('spends at most the limit per merchant and window, and re-opens in the next window', () => {
    const b = new RefetchBudget(2, 60_000);
    expect([b.spend('m1', 0), b.spend('m1', 1), b.spend('m1', 2)]).toEqual([true, true, false]);
    expect(b.open('m1', 3)).toBe(false);
    expect(b.spend('m2', 3)).toBe(true);
    expect(b.open('m1', 60_000)).toBe(true);
    expect(b.spend('m1', 60_000)).toBe(true);
  });
});

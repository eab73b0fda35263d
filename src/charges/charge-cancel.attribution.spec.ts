import { cancelsProvenDone } from './charge-cancel.attribution';

const c = (id: string, amount: number) => ({ id, amount });
const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);

describe('cancelsProvenDone: the PG refunded total proves only exact sums', () => {
  it.each<[string, Array<{ id: string; amount: number }>, number, string[]]>([
    ['nothing refunded', [c('a', 2000)], 0, []],
    ['the one pending cancel', [c('a', 2000)], 2000, ['a']],
    ['a prefix in creation order', [c('a', 2000), c('b', 3000)], 5000, ['a', 'b']],
    // An older cancel waits at the PG while a newer one was done at once: the total names the newer one.
    ['the newer cancel, not the older one the total would "cover"', [c('a', 2000), c('b', 3000)], 3000, ['b']],
    ['equal amounts: the earliest', [c('a', 1000), c('b', 1000)], 1000, ['a']],
    ['no exact sum (a cancel made elsewhere): none', [c('a', 2000)], 2500, []],
    ['ambiguous sets of amounts: none', [c('a', 1000), c('b', 2000), c('c', 3000)], 3000, []],
    ['more than asked: none', [c('a', 2000)], 9000, []],
  ])('%s', (_name, pending, delta, expected) => {
    expect(ids(cancelsProvenDone(pending, delta))).toEqual(expected);
  });
});

import { arrayOf, isInteger, isString, maybe, objectOf } from './pg-shape.validator';

describe('objectOf', () => {
  const payment = objectOf({ imp_uid: isString, amount: isInteger, card: maybe(objectOf({ name: isString })) });

  it('accepts a conforming object and extra fields, refuses non-objects', () => {
    expect(payment({ imp_uid: 'imp_1', amount: 10, extra: true }, 'response')).toBeNull();
    expect(payment(null, 'response')).toBe('response: expected an object');
    expect(payment([], 'response')).toBe('response: expected an object');
  });

  it('names the first offending field by its full path, whatever path the same validator was last called with', () => {
    expect(payment({ imp_uid: 1, amount: 10 }, 'response')).toBe('response.imp_uid: expected a string');
    expect(payment({ imp_uid: 'x', amount: 'ten' }, 'body')).toBe('body.amount: expected an integer');
    expect(payment({ imp_uid: 'x', amount: 1, card: { name: 7 } }, 'response')).toBe(
      'response.card.name: expected a string',
    );
    expect(payment({ imp_uid: 'x', amount: 1, card: { name: 7 } }, 'other')).toBe('other.card.name: expected a string');
  });

  it('inside arrays, names each element by its index', () => {
    const list = arrayOf(payment);
    expect(
      list(
        [
          { imp_uid: 'a', amount: 1 },
          { imp_uid: 'b', amount: 1.5 },
        ],
        'response.list',
      ),
    ).toBe('response.list[1].amount: expected an integer');
    expect(list([{ imp_uid: 2, amount: 1 }], 'response.list')).toBe('response.list[0].imp_uid: expected a string');
  });

  it('works with no fields', () => {
    expect(objectOf({})({}, 'r')).toBeNull();
  });
});

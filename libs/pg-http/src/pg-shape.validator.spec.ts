import { z } from 'zod';
import { pgInteger, pgNonEmptyString, pgNumber, pgObject, pgString, shapeProblem } from './pg-shape.validator';

describe('shapeProblem', () => {
  const payment = z.looseObject({
    imp_uid: pgString,
    amount: pgInteger,
    card: z.looseObject({ name: pgString }).nullish(),
  });

  it('accepts a conforming object and extra fields, refuses non-objects', () => {
    expect(shapeProblem(payment, { imp_uid: 'imp_1', amount: 10, extra: true }, 'response')).toBeNull();
    expect(shapeProblem(payment, null, 'response')).toBe('response: expected an object');
    expect(shapeProblem(payment, [], 'response')).toBe('response: expected an object');
  });

  it('names the first offending field by its full path, whatever path it is given', () => {
    expect(shapeProblem(payment, { imp_uid: 1, amount: 10 }, 'response')).toBe('response.imp_uid: expected a string');
    expect(shapeProblem(payment, { imp_uid: 'x', amount: 'ten' }, 'body')).toBe('body.amount: expected an integer');
    expect(shapeProblem(payment, { imp_uid: 'x', amount: 1.5 }, 'body')).toBe('body.amount: expected an integer');
    expect(shapeProblem(payment, { imp_uid: 'x', amount: 1, card: { name: 7 } }, 'response')).toBe(
      'response.card.name: expected a string',
    );
    expect(shapeProblem(payment, { imp_uid: 'x', amount: 1, card: { name: 7 } }, 'other')).toBe(
      'other.card.name: expected a string',
    );
  });

  it('inside arrays, names each element by its index', () => {
    const list = z.array(payment);
    expect(
      shapeProblem(
        list,
        [
          { imp_uid: 'a', amount: 1 },
          { imp_uid: 'b', amount: 1.5 },
        ],
        'response.list',
      ),
    ).toBe('response.list[1].amount: expected an integer');
    expect(shapeProblem(list, { not: 'a list' }, 'r')).toBe('r: expected an array');
  });

  it('leaves say what they expect, and never quote the value received', () => {
    expect(shapeProblem(pgNumber, Number.POSITIVE_INFINITY, 'r')).toBe('r: expected a finite number');
    expect(shapeProblem(pgNonEmptyString, '', 'r')).toBe('r: expected a non-empty string');
    expect(shapeProblem(pgObject, 'secret-card-number', 'r')).toBe('r: expected an object');
    expect(shapeProblem(z.looseObject({}), {}, 'r')).toBeNull();
  });
});

import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CUSTOM_DATA_LIMITS, customDataProblem, IsCustomData } from './custom-data';
import { OptionalNotNull } from './optional-not-null';

class Holder {
  @OptionalNotNull()
  @IsCustomData()
  customData?: Record<string, unknown>;
}

const errorsOf = (customData: unknown) =>
  validateSync(plainToInstance(Holder, { customData })).flatMap((e) => Object.values(e.constraints ?? {}));
const keys = (n: number, value: unknown = 'v') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));

describe('customData caps', () => {
  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['15 values of 500 characters (within 8 KB)', keys(15, 'x'.repeat(500))],
    ['exactly 50 keys', keys(50)],
    ['a 40-character key', { ['k'.repeat(40)]: 1 }],
    ['scalars of every JSON kind', { s: 'a', n: 1.5, b: true, z: null }],
    ['one level of nesting (depth 2)', { order: { id: 'o1', qty: 2 }, tags: ['a', 'b'] }],
  ])('accepts %s', (_name, value) => {
    expect(customDataProblem(value)).toBeUndefined();
    expect(errorsOf(value)).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['null', null, /must be an object/],
    ['an array', ['a'], /must be an object/],
    ['a string', 'x', /must be an object/],
    ['51 keys', keys(51), /more than 50 keys/],
    ['51 entries over two levels', { a: keys(30), b: keys(20) }, /more than 50 keys/],
    ['a 41-character key', { ['k'.repeat(41)]: 1 }, /keys must be 1-40/],
    ['an empty key', { '': 1 }, /keys must be 1-40/],
    ['a 501-character value', { a: 'x'.repeat(501) }, /customData\.a must be at most 500 characters/],
    ['a long value one level down', { a: { b: 'x'.repeat(501) } }, /customData\.a\.b must be at most 500/],
    ['depth 3', { a: { b: { c: 1 } } }, /customData\.a\.b nests deeper than 2/],
    ['an array in an array', { a: [[1]] }, /nests deeper/],
    ['more than 8 KB', keys(20, 'x'.repeat(450)), /at most 8192 bytes/],
  ])('refuses %s', (_name, value, message) => {
    expect(customDataProblem(value)).toMatch(message);
    const errors = errorsOf(value);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('stops counting at the cap instead of walking a huge object', () => {
    expect(customDataProblem(keys(100_000))).toMatch(/more than 50/);
    expect(CUSTOM_DATA_LIMITS.maxEntries).toBe(50);
  });

  it('lets the field be absent but not null', () => {
    expect(validateSync(plainToInstance(Holder, {}))).toEqual([]);
    expect(errorsOf(null)).toHaveLength(1);
  });
});

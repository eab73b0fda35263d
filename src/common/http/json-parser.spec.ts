import { jsonDepthExceeds } from './json-parser';

const exceeds = (text: string, limit = 3) => jsonDepthExceeds(Buffer.from(text, 'utf8'), limit);

describe('jsonDepthExceeds', () => {
  it.each<[string, string, boolean]>([
    ['a flat object', '{"a":1,"b":[1,2]}', false],
    ['exactly the limit', '{"a":{"b":[1]}}', false],
    ['one past the limit', '{"a":{"b":[[1]]}}', true],
    ['arrays only', '[[[[]]]]', true],
    ['siblings do not add up', '[[[1]],[[2]],[[3]]]', false],
    ['brackets inside strings are text', '{"a":"[[[[{{{{"}', false],
    ['an escaped quote does not end the string', '{"a":"\\"[[[[[["}', false],
    ['an escaped backslash before the closing quote', '{"a":"\\\\","b":[[[[1]]]]}', true],
    ['multi-byte text', '{"이름":"[[[[ 😀 ]]]]"}', false],
    ['malformed text is left to the parser', '}}}}[[[', false],
    ['empty', '', false],
  ])('%s', (_name, text, expected) => {
    expect(exceeds(text)).toBe(expected);
  });

  it('stops at the limit on a 10,000-level body', () => {
    expect(jsonDepthExceeds(Buffer.from('['.repeat(10_000) + ']'.repeat(10_000)), 32)).toBe(true);
  });
});

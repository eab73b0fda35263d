import { findControlCharacter, refuseControlCharacters } from './control-chars';
import { DomainError } from '../errors/domain.error';
import type { FastifyReply, FastifyRequest } from 'fastify';

describe('findControlCharacter', () => {
  it.each<[string, unknown, string | undefined]>([
    ['plain text', { name: 'Kim Lee', tags: ['a', 'b'] }, undefined],
    ['tab, CR and LF in text', { note: 'a\tb\r\nc' }, undefined],
    ['non-string values', { n: 1, b: true, z: null, o: {} }, undefined],
    ['NUL in a value', { name: 'Kim\u0000' }, 'name'],
    ['ESC in a nested value', { a: { b: ['ok', '\u001b[31m'] } }, 'a.b[1]'],
    ['NUL in a key', { a: { 'x\u0000': 1 } }, 'a.(key)'],
    ['a bare string', 'x\u0001', '(value)'],
    ['DEL is text', { a: '\u007f' }, undefined],
  ])('%s', (_name, value, expected) => {
    expect(findControlCharacter(value)).toBe(expected);
  });
});

describe('refuseControlCharacters', () => {
  const run = (request: Partial<FastifyRequest>) => {
    let result: unknown = 'not called';
    refuseControlCharacters(request as FastifyRequest, {} as FastifyReply, (err?: Error) => (result = err));
    return result;
  };

  it('passes clean input through', () => {
    expect(run({ params: { id: 'cus_1' }, query: { a: 'b\n' }, body: { name: 'x\ty' } })).toBeUndefined();
  });

  it.each<[string, Partial<FastifyRequest>, string]>([
    ['a NUL in the query', { query: { message: 'x\u0000' } }, 'query.message'],
    ['any control character in a path parameter, LF too', { params: { id: 'a\nb' } }, 'path.id'],
    ['a NUL in the body', { body: { customData: { k: 'v\u0000' } } }, 'body.customData.k'],
  ])('refuses %s with VALIDATION_FAILED naming the field', (_name, request, field) => {
    const err = run(request) as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([{ field, errors: [expect.stringContaining('control characters')] }]);
    // eslint-disable-next-line no-control-regex -- the assertion is about control characters
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });
});

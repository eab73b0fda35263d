import { DomainError } from '../common/errors/domain.error';
import { checkedOrigins, MAX_ALLOWED_ORIGINS } from './merchant.origins';

describe('checkedOrigins', () => {
  it('keeps exact origins once each', () => {
    expect(checkedOrigins(['https://a.example', 'http://localhost:5173', 'https://a.example'], false)).toEqual([
      'https://a.example',
      'http://localhost:5173',
    ]);
    expect(checkedOrigins(['https://a.example:8443'], true)).toEqual(['https://a.example:8443']);
    expect(MAX_ALLOWED_ORIGINS).toBeGreaterThan(1);
  });

  it.each([
    ['a trailing slash', 'https://a.example/', 'https://a.example'],
    ['a path', 'https://a.example/pay', 'https://a.example'],
    ['a query', 'https://a.example?x=1', 'https://a.example'],
    ['user info', 'https://u:p@a.example', 'https://a.example'],
    ['upper case', 'https://A.example', 'https://a.example'],
    ['a default port', 'https://a.example:443', 'https://a.example'],
  ])('refuses %s and names the origin to use', (_, raw, hint) => {
    const err = catchError(() => checkedOrigins(['https://ok.example', raw], false));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([{ field: 'allowedOrigins[1]', errors: [`must be exactly an origin, e.g. ${hint}`] }]);
  });

  it.each(['*', 'null', 'a.example', 'ftp://a.example', 'javascript:alert(1)'])('refuses %s', (raw) => {
    expect(catchError(() => checkedOrigins([raw], false)).code).toBe('VALIDATION_FAILED');
  });

  it('takes http only outside production', () => {
    expect(checkedOrigins(['http://localhost:3000'], false)).toEqual(['http://localhost:3000']);
    expect(catchError(() => checkedOrigins(['http://localhost:3000'], true)).details).toEqual([
      { field: 'allowedOrigins[0]', errors: ['must be https in production'] },
    ]);
  });
});

function catchError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

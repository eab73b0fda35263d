import { toE164 } from './customer.phone';

describe('toE164', () => {
  it.each([
    // Seed 004's own STC example, as a Korean customer types it.
    ['(02)16705176', 'KR', '+82216705176'],
    ['02-1670-5176', 'kr', '+82216705176'],
    ['010-1234-5678', 'KR', '+821012345678'],
    ['+1 (415) 555-0100', 'US', '+14155550100'],
    ['(415) 555-0100', 'US', '+14155550100'],
    ['+14155550100', 'US', '+14155550100'],
    // An international number is read as such whatever the customer's country.
    ['+82 2-1670-5176', 'US', '+82216705176'],
  ])('%s in %s -> %s', (input, country, e164) => {
    expect(toE164(input, country)).toBe(e164);
  });

  it.each([
    ['hello', 'US'],
    ['123', 'US'],
    ['123', 'KR'],
    ['', 'US'],
    ['+1234567', 'US'],
    // A Korean national number read in the US is not a US number.
    ['02-1670-5176', 'US'],
  ])('%s in %s is not a phone', (input, country) => {
    expect(toE164(input, country)).toBeNull();
  });
});

import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone as people type it, read with libphonenumber using the customer's country as the default region: national
 * (`(02)16705176` in KR, seed 004's example), or international (`+1 (415) 555-0100`). Returns E.164, or null when it
 * is not a valid number for its region (`hello`, `123`, a number with too few digits for the region).
 */
export function toE164(input: string, countryCode: string): string | null {
  const region = countryCode.toUpperCase();
  const parsed = isSupportedCountry(region)
    ? parsePhoneNumberFromString(input, region as CountryCode)
    : parsePhoneNumberFromString(input);
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * PayPal STC (Set Transaction Context) keys as DATA: the seven base keys every merchant sends, and the extra keys each
 * industry may send (PortOne's public table, see docs/pg-api-reference.md "STC"). Adding or requiring a key for an
 * industry is an edit to the tables below, not to the builder. PortOne support hands out the exact list per merchant;
 * the `requiredFor` entries are our reading of which extras a charge cannot do without, and are meant to be adjusted
 * here when that list says otherwise.
 */
import type { Industry } from '../merchants/merchant.stc-policy';

/** Why STC is being evaluated; the decision record keeps it. `preflight` is a dry run (the merchant endpoint). */
export const STC_PURPOSES = ['billing_key_issue', 'charge', 'preflight'] as const;
export type StcPurpose = (typeof STC_PURPOSES)[number];

/**
 * How a value is checked (values are always strings on the wire):
 * - `text`: 1-255 characters after trimming; `email`; `phone` (digits with optional +, spaces, dashes, parentheses);
 * - `country`: ISO 3166-1 alpha-2 (upper-cased); `us_zip`: 12345 or 12345-6789; `ip`: IPv4 or IPv6;
 * - `int`: a non-negative integer; `flag`: "1" or "0"; `date`: ISO 8601 date or date-time; `enum`: one of `values`;
 * - `paypal_account`: 5-64 letters or digits.
 */
export type StcValueFormat =
  'text' | 'email' | 'phone' | 'country' | 'us_zip' | 'ip' | 'int' | 'flag' | 'date' | 'enum' | 'paypal_account';

export interface StcKeySpec {
  key: string;
  format: StcValueFormat;
  /** For `enum`. */
  values?: readonly string[];
  /** Purposes for which a required-policy merchant must supply this extra key (a recommended one only logs the gap). */
  requiredFor?: readonly StcPurpose[];
  /** What it means (documentation only). */
  note?: string;
}

/** Where a base key's value comes from: the merchant's profile or the customer record. */
export type StcBaseSource =
  | 'merchant.paypalAccountId'
  | 'customer.firstName'
  | 'customer.lastName'
  | 'customer.email'
  | 'customer.phone'
  | 'customer.countryCode'
  | 'customer.accountCreatedAt';

export interface StcBaseKeySpec extends StcKeySpec {
  source: StcBaseSource;
}

/** The base seven (seed 004, 고위험 결제 처리), in the order the seed sends them. Never taken from the caller. */
export const STC_BASE_KEYS: readonly StcBaseKeySpec[] = [
  {
    key: 'sender_account_id',
    source: 'merchant.paypalAccountId',
    format: 'paypal_account',
    note: "the merchant's PayPal account id",
  },
  { key: 'sender_first_name', source: 'customer.firstName', format: 'text' },
  { key: 'sender_last_name', source: 'customer.lastName', format: 'text' },
  { key: 'sender_email', source: 'customer.email', format: 'email' },
  { key: 'sender_phone', source: 'customer.phone', format: 'phone' },
  { key: 'sender_country_code', source: 'customer.countryCode', format: 'country' },
  { key: 'sender_create_date', source: 'customer.accountCreatedAt', format: 'date', note: 'ISO 8601 with offset' },
];

const CHARGE = ['charge'] as const;

const RECEIVER_KEYS: readonly StcKeySpec[] = [
  { key: 'receiver_account_id', format: 'text', requiredFor: CHARGE, note: 'the seller / payee at the merchant' },
  { key: 'receiver_create_date', format: 'date' },
  { key: 'receiver_email', format: 'email' },
  { key: 'receiver_address_country_code', format: 'country' },
];

/** Lower-risk merchants (and retail/food that is not in-store on mobile): generic custom fields. */
export const STC_DEFAULT_EXTRA_KEYS: readonly StcKeySpec[] = [
  { key: 'cd_string_one', format: 'text' },
  { key: 'cd_string_two', format: 'text' },
  { key: 'cd_int_one', format: 'int' },
];

/** Extra keys per high-risk industry. Industries not listed here use STC_DEFAULT_EXTRA_KEYS. */
export const STC_INDUSTRY_EXTRA_KEYS: Partial<Record<Industry, readonly StcKeySpec[]>> = {
  event_ticketing: [
    {
      key: 'dg_delivery_method',
      format: 'enum',
      values: ['email', 'phone', 'venue_pickup', 'kiosk_pickup'],
      requiredFor: CHARGE,
    },
    { key: 'cd_string_one', format: 'date', requiredFor: CHARGE, note: 'event date' },
    { key: 'cd_string_two', format: 'text', note: 'event category' },
    { key: 'cd_int_one', format: 'int', note: 'ticket count' },
  ],
  fuel: [],
  gaming_digital_goods: [],
  telecom: [],
  payment_security: [],
  marketplace: [
    { key: 'sender_address_zip', format: 'us_zip', note: 'US buyers' },
    { key: 'sender_signup_ip', format: 'ip' },
    { key: 'sender_popularity_score', format: 'enum', values: ['high', 'medium', 'low'] },
    ...RECEIVER_KEYS,
    { key: 'business_name', format: 'text' },
    { key: 'recipient_popularity_score', format: 'enum', values: ['high', 'medium', 'low'] },
    { key: 'first_interaction_date', format: 'date' },
    { key: 'txn_count_total', format: 'int' },
    { key: 'transaction_is_tangible', format: 'flag' },
  ],
  online_travel: [
    { key: 'ota_type', format: 'text', requiredFor: CHARGE, note: 'car rental, lodging, package, transport, …' },
    { key: 'ota_service_start_date', format: 'date', requiredFor: CHARGE },
    { key: 'ota_service_end_date', format: 'date' },
    { key: 'ota_service_guest_t_f', format: 'flag' },
    { key: 'ota_start_country', format: 'country' },
    { key: 'ota_start_city', format: 'text' },
    { key: 'ota_start_zip_code', format: 'text' },
    { key: 'cd_string_one', format: 'text' },
  ],
  p2p: RECEIVER_KEYS.map((k) => (k.key === 'receiver_email' ? { ...k, requiredFor: CHARGE } : k)),
  // Only reached for in-store purchases on a mobile device (the required case); deliveries use the default list.
  retail_food: [
    { key: 'dg_delivery_method', format: 'enum', values: ['email', 'phone'] },
    { key: 'highrisk_txn_flag', format: 'flag' },
  ],
  taxi_ridesharing: [
    { key: 'sender_address_zip', format: 'us_zip', note: 'US riders' },
    { key: 'highrisk_txn_flag', format: 'flag' },
    { key: 'cd_string_one', format: 'text' },
  ],
};

/** The extra keys a merchant with this profile may send. Retail/food uses its row only in the in-store-mobile case. */
export function extraKeysFor(industry: string, retailFulfillment?: string | null): readonly StcKeySpec[] {
  if (industry === 'retail_food' && retailFulfillment !== 'in_store_mobile') return STC_DEFAULT_EXTRA_KEYS;
  return STC_INDUSTRY_EXTRA_KEYS[industry as Industry] ?? STC_DEFAULT_EXTRA_KEYS;
}

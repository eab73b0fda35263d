import { INDUSTRIES, RETAIL_FULFILLMENTS, stcPolicyFor } from './merchant.stc-policy';

const table: [string, string | null, string][] = [
  ['event_ticketing', null, 'required'],
  ['fuel', null, 'required'],
  ['gaming_digital_goods', null, 'required'],
  ['marketplace', null, 'required'],
  ['online_travel', null, 'required'],
  ['p2p', null, 'required'],
  ['taxi_ridesharing', null, 'required'],
  ['telecom', null, 'required'],
  ['payment_security', null, 'required'],
  ['retail_food', 'in_store_mobile', 'required'],
  ['retail_food', 'third_party_delivery', 'recommended'],
  ['retail_food', 'own_delivery', 'recommended'],
  ['retail_food', 'ship_to_store', 'recommended'],
  ['saas', null, 'recommended'],
  ['physical_goods', null, 'recommended'],
  ['professional_services', null, 'recommended'],
  ['education', null, 'recommended'],
  ['nonprofit', null, 'recommended'],
  ['other', null, 'recommended'],
];

describe('stcPolicyFor', () => {
  it.each(table)('%s (%s) -> %s', (industry, fulfillment, expected) => {
    expect(stcPolicyFor(industry, fulfillment)).toBe(expected);
  });

  it('the table covers every accepted industry and every retail fulfilment', () => {
    expect(new Set(table.map((r) => r[0]))).toEqual(new Set(INDUSTRIES));
    expect(new Set(table.filter((r) => r[0] === 'retail_food').map((r) => r[1]))).toEqual(new Set(RETAIL_FULFILLMENTS));
  });

  it('an unknown industry is never exempt from recommendation', () => {
    expect(stcPolicyFor('something_new')).toBe('recommended');
  });
});

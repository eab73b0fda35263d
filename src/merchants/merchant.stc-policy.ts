/**
 * PayPal STC policy from a merchant's industry profile (seed 004, 고위험 결제 처리). Pure and total: every industry we
 * accept has a row; the risk module builds the STC data and enforcement on top of this. It lives with merchants,
 * whose profile it reads, so that merchants never import risk.
 */
export const HIGH_RISK_INDUSTRIES = [
  'event_ticketing',
  'fuel',
  'gaming_digital_goods',
  'marketplace',
  'online_travel',
  'p2p',
  'retail_food',
  'taxi_ridesharing',
  'telecom',
  'payment_security',
] as const;
export const LOWER_RISK_INDUSTRIES = [
  'saas',
  'physical_goods',
  'professional_services',
  'education',
  'nonprofit',
  'other',
] as const;
export const INDUSTRIES = [...HIGH_RISK_INDUSTRIES, ...LOWER_RISK_INDUSTRIES] as const;
export type Industry = (typeof INDUSTRIES)[number];

export const RETAIL_FULFILLMENTS = [
  'in_store_mobile',
  'third_party_delivery',
  'own_delivery',
  'ship_to_store',
] as const;
export type RetailFulfillment = (typeof RETAIL_FULFILLMENTS)[number];

export type StcPolicy = 'required' | 'recommended';

export function stcPolicyFor(industry: string, retailFulfillment?: string | null): StcPolicy {
  // Retail and food is high-risk only for in-store purchases on a mobile device; the delivery fulfilments need none.
  if (industry === 'retail_food') return retailFulfillment === 'in_store_mobile' ? 'required' : 'recommended';
  return (HIGH_RISK_INDUSTRIES as readonly string[]).includes(industry) ? 'required' : 'recommended';
}

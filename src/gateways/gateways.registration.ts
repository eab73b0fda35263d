import type { AdapterRegistration } from '@app/pg-contract';
import { PORTONE_PAYPAL_RT_REGISTRATION } from '../portone-paypal-rt/portone-paypal-rt.registration';
import { TOSS_BILLING_REGISTRATION } from '../toss-billing/toss-billing.registration';
import { TOSS_FOREIGN_PAY_REGISTRATION } from '../toss-foreign-pay/toss-foreign-pay.registration';

/**
 * Every payment gateway this app offers, one line each: adding a PG is its folder plus one line here (see
 * docs/adding-a-gateway.md). Each entry brings its adapter, the modules it needs (its PG client, configured in its own
 * folder) and its sandbox plugin. The registry checks at boot that each declared capability has its method.
 */
export const GATEWAY_ADAPTERS: AdapterRegistration[] = [
  PORTONE_PAYPAL_RT_REGISTRATION,
  TOSS_FOREIGN_PAY_REGISTRATION,
  TOSS_BILLING_REGISTRATION,
];

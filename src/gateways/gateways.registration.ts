import type { AdapterRegistration } from '@app/pg-contract';
import { PortonePaypalRtAdapter } from '../portone-paypal-rt/portone-paypal-rt.adapter';
import { TossForeignPayAdapter } from '../toss-foreign-pay/toss-foreign-pay.adapter';

/**
 * Every payment gateway this app offers, one line each: adding a PG is its folder plus one line here
 * (see docs/adding-a-gateway.md). The registry checks at boot that each declared capability has its method.
 */
export const GATEWAY_ADAPTERS: AdapterRegistration[] = [PortonePaypalRtAdapter, TossForeignPayAdapter];

import { AGAIN_NAME_MAX, type PortoneCredentials as ClientCredentials } from '@app/portone-client';
import type { PortonePaypalRtCredentials } from './portone-paypal-rt.descriptor';

/** Pure helpers of the PortOne PayPal RT adapter: PortOne's limits and the shaping of what it is sent. */

/** PortOne V1 limits. */
export const MERCHANT_UID_MAX = 40;
export const CUSTOMER_UID_MAX = 80;
export const NAME_MAX = 200;

/** The name `again` sends when the plan has none (an empty name would be refused). */
const DEFAULT_AGAIN_NAME = 'Subscription';

/** `again` and `loadUI` take STC as a list of `{ key, value }` strings. */
export function stcList(context: Readonly<Record<string, string>>): Array<{ key: string; value: string }> {
  return Object.entries(context).map(([key, value]) => ({ key, value: String(value) }));
}

export function validLength(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

export function clientCredentials(c: PortonePaypalRtCredentials): ClientCredentials {
  return { impKey: c.impKey, impSecret: c.impSecret, ...(c.sandbox !== undefined ? { sandbox: c.sandbox } : {}) };
}

/** `again`'s name: at most 40 code points, never blank (PortOne refuses an empty name). */
export function againName(orderName: unknown): string {
  const cut = typeof orderName === 'string' ? cutCodePoints(orderName, AGAIN_NAME_MAX) : '';
  return cut.trim() !== '' ? cut : DEFAULT_AGAIN_NAME;
}

/** The first `max` code points (not UTF-16 units: an emoji or a Korean syllable is never split). */
export function cutCodePoints(value: string, max: number): string {
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join('');
}

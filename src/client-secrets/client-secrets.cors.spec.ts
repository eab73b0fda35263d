import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { CLIENT_SECRET_ALLOWED, type ClientSecretRoute } from '../auth/auth.decorators';
import { BillingKeyReturnsController, BillingKeysController } from '../billing-keys/billing-keys.controller';
import { BillingController } from '../billing/billing.controller';
import { ChargesController } from '../charges/charges.controller';
import { CustomersController } from '../customers/customers.controller';
import { MerchantsController } from '../merchants/merchants.controller';
import { OrderReturnsController, OrdersController } from '../orders/orders.controller';
import { PlansController } from '../plans/plans.controller';
import { SubscriptionsController } from '../subscriptions/subscriptions.controller';
import { TossOrdersController } from '../toss-foreign-pay/toss-foreign-pay.controller';
import { BROWSER_ROUTES, browserRouteOf } from './client-secrets.cors';

/** Every @ClientSecretAllowed handler of these controllers, as (method, path with the id param as :id, object). */
function optedIn(controllers: ReadonlyArray<new (...args: never[]) => object>) {
  const out: Array<{ method: string; path: string; object: string }> = [];
  for (const c of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, c));
    for (const name of Object.getOwnPropertyNames(c.prototype)) {
      const handler = (c.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function') continue;
      const rule = Reflect.getMetadata(CLIENT_SECRET_ALLOWED, handler) as ClientSecretRoute | undefined;
      if (!rule) continue;
      const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      out.push({ method, path: `/${base}/${sub}`.replace(`:${rule.param}`, ':id'), object: rule.object });
    }
  }
  return out;
}

describe('CORS routes', () => {
  it('are exactly the routes that opt in to client secrets', () => {
    const routes = optedIn([
      BillingKeysController,
      BillingKeyReturnsController,
      OrdersController,
      OrderReturnsController,
      TossOrdersController,
      MerchantsController,
      CustomersController,
      PlansController,
      SubscriptionsController,
      ChargesController,
      BillingController,
    ]);
    expect(routes).toHaveLength(BROWSER_ROUTES.length);
    for (const r of routes) {
      const named = browserRouteOf(r.method, r.path.replace(':id', 'obj_1'));
      expect({ ...r, matched: named && { object: named.route.object, id: named.objectId } }).toEqual({
        ...r,
        matched: { object: r.object, id: 'obj_1' },
      });
    }
  });

  it('match the path without its query, per method, and decode the id', () => {
    expect(browserRouteOf('GET', '/v1/billing-keys/bk_1?x=1')).toMatchObject({ objectId: 'bk_1' });
    expect(browserRouteOf('DELETE', '/v1/billing-keys/bk_1')).toBeNull();
    expect(browserRouteOf('GET', '/v1/billing-keys/bk_1/charges')).toBeNull();
    expect(browserRouteOf('GET', '/v1/customers/cus_1')).toBeNull();
    expect(browserRouteOf('GET', '/v1/orders/tfo%5F1')).toMatchObject({ objectId: 'tfo_1' });
    expect(browserRouteOf('GET', '/v1/orders/%E0%A4%A')).toBeNull();
  });
});

import type { EventInput } from '../events/events.service';
import type { Subscription } from './subscription.entity';
import { toSubscriptionView } from './subscriptions.views';

/** An event about a subscription, carrying its REST view as of the change. */
export function subscriptionEvent(type: string, s: Subscription): EventInput {
  return { merchantId: s.merchantId, type, objectType: 'subscription', objectId: s.id, object: toSubscriptionView(s) };
}

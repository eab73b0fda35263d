import { Foundation1763856000000 } from './1763856000000-Foundation';
import { Risk1763942400004 } from './1763942400004-Risk';
import { TossForeignPay1764028800005 } from './1764028800005-TossForeignPay';
import { BillingKeys1764028800006 } from './1764028800006-BillingKeys';
import { Charges1764028800007 } from './1764028800007-Charges';
import { SubscriptionRiskContext1764201600008 } from './1764201600008-SubscriptionRiskContext';
import { WebhookInbox1764201600009 } from './1764201600009-WebhookInbox';
import { MaskImpKeyHints1764201600010 } from './1764201600010-MaskImpKeyHints';
import { GatewayAgnosticBillingKeys1764201600015 } from './1764201600015-GatewayAgnosticBillingKeys';
import { OneTimeOrdersGateway1764201600016 } from './1764201600016-OneTimeOrdersGateway';
import { Events1764201600040 } from './1764201600040-Events';
import { SubscriptionPendingPlan1764201600041 } from './1764201600041-SubscriptionPendingPlan';
import { WebhookEndpoints1764201600050 } from './1764201600050-WebhookEndpoints';
import { ListsAndApiKeys1764201600060 } from './1764201600060-ListsAndApiKeys';
import { ClientSecretsAndOrigins1764201600070 } from './1764201600070-ClientSecretsAndOrigins';
import { ChargeReviewActions1764201600071 } from './1764201600071-ChargeReviewActions';
import { EventsPendingIndex1764201600072 } from './1764201600072-EventsPendingIndex';

/** Every migration, in order. Listed explicitly so ts-node, jest and the compiled app all find the same set. */
export const migrations = [
  Foundation1763856000000,
  Risk1763942400004,
  TossForeignPay1764028800005,
  BillingKeys1764028800006,
  Charges1764028800007,
  SubscriptionRiskContext1764201600008,
  WebhookInbox1764201600009,
  MaskImpKeyHints1764201600010,
  GatewayAgnosticBillingKeys1764201600015,
  OneTimeOrdersGateway1764201600016,
  Events1764201600040,
  SubscriptionPendingPlan1764201600041,
  WebhookEndpoints1764201600050,
  ListsAndApiKeys1764201600060,
  ClientSecretsAndOrigins1764201600070,
  ChargeReviewActions1764201600071,
  EventsPendingIndex1764201600072,
];

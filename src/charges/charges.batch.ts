import type { ChargesService } from './charges.service';

/** The ChargesService methods a billing batch calls, in the order a batch calls them. */
type BatchMethods =
  | 'preloadMany'
  | 'writeIntents'
  | 'findByMerchantUids'
  | 'adoptForResend'
  | 'prepareMany'
  | 'send'
  | 'lookup'
  | 'resultWrite'
  | 'followWrite'
  | 'recordResults'
  | 'reconcile';

/**
 * The one batch-level API billing runs talk to charges through (BillingService depends on this token, never on
 * ChargesService). ChargesModule provides it as ChargesService itself (useExisting), so a batch makes the same calls,
 * queries and PG calls in the same order as before; this only narrows what billing can reach.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class ChargesBatch {}
// Declaration merging: the token (a class, for Nest DI) carries the picked methods as its type.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface ChargesBatch extends Pick<ChargesService, BatchMethods> {}

// The helpers a batch uses with it, from one place.
export { newCharge } from './charges.mapper';
export { resolvedAs, type ResolvedAs } from './charges.reconciliation';
export { mapPool, newSendContext, type Prepared, type SendContext } from './charges.sending';

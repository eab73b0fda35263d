export { pgSandboxPlugin, type PgSandboxOptions } from './sandbox.plugin';
export { BrowserAssets, projectRoot, sendAsset } from './sandbox.browser-assets';
export {
  BUILT_IN_SANDBOX_PLUGINS,
  portoneSandboxPlugin,
  SANDBOX_PREFIX_PATTERN,
  sandboxAccountOf,
  sandboxPluginProblems,
  tossSandboxPlugin,
  type SandboxPlugin,
  type SandboxPluginContext,
} from './sandbox.plugin-api';
export type { PgRouteRunner, PgRouteSpec } from './sandbox.http';
export { PgSandbox, createPgSandbox } from './sandbox';
export { TOSS_WEBHOOK_RETRY_DELAYS_MS, type SandboxBehaviourOptions } from './sandbox.options';
export {
  SANDBOX_ACCOUNT_PATTERN,
  sandboxPortoneKeys,
  sandboxTossKeys,
  type SandboxPortoneKeys,
  type SandboxTossKeys,
} from './sandbox.credentials';
export {
  PORTONE_OPERATIONS,
  TOSS_OPERATIONS,
  type FaultRequest,
  type FaultSpec,
  type PortoneOperation,
  type SandboxGateway,
  type TossOperation,
  type WebhookFaultMode,
} from './sandbox.faults';
export type { LedgerEntry, LedgerPage, LedgerQuery } from './sandbox.ledger';
export type { WebhookDelivery, WebhookAttempt } from './sandbox.webhooks';
export type { SandboxStats } from './sandbox.stats';
export { TOSS_ERRORS } from './sandbox.toss.errors';
export {
  DEFAULT_TOSS_API_VERSION,
  TOSS_CONFIRM_WINDOW_MS,
  TOSS_EXPIRY_MS,
  TOSS_FOREIGN_EASY_PAY_METHOD,
  TOSS_PAYPAL_PROVIDER,
} from './sandbox.toss.state';
export { PORTONE_KOREAN_BUYER_REASON, PORTONE_PENDING_FAIL_REASON, PORTONE_TOKEN_TTL_S } from './sandbox.portone.state';

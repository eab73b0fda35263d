import { createPgSandbox, type PgSandbox } from '@app/pg-sandbox';

/** Injection token of the in-process PG sandbox (undefined when sandbox mode is off). */
export const PG_SANDBOX = Symbol('PG_SANDBOX');

/** The sandbox instance the app mounts under /sandbox; tests reach it to await webhooks or read stats. */
export function createAppSandbox(enabled: boolean, production: boolean): PgSandbox | undefined {
  if (!enabled) return undefined;
  // Config validation already refuses this combination; this keeps the guarantee local to the sandbox too.
  if (production) throw new Error('the PG sandbox is refused when NODE_ENV=production');
  return createPgSandbox();
}

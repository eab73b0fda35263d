/**
 * Deterministic sandbox credentials. Every account name `<acct>` (`[A-Za-z0-9-]{1,40}`) is valid without provisioning,
 * so any number of merchants (and test suites) can share one sandbox, in-process or in a separate process.
 */

/** What an account name may look like. */
export const SANDBOX_ACCOUNT_PATTERN = /^[A-Za-z0-9-]{1,40}$/;

/** Toss key pair and MID of a sandbox account. */
export interface SandboxTossKeys {
  clientKey: string;
  secretKey: string;
  mId: string;
}

/** PortOne V1 credentials of a sandbox account. */
export interface SandboxPortoneKeys {
  userCode: string;
  impKey: string;
  impSecret: string;
}

function assertAccount(account: string): void {
  if (!SANDBOX_ACCOUNT_PATTERN.test(account)) {
    throw new Error(`invalid sandbox account name (expected ${SANDBOX_ACCOUNT_PATTERN.source})`);
  }
}

/** Toss keys of sandbox account `account`: `test_ck_sbx_<acct>`, `test_sk_sbx_<acct>`, `sbx_<acct>`. */
export function sandboxTossKeys(account: string): SandboxTossKeys {
  assertAccount(account);
  return { clientKey: `test_ck_sbx_${account}`, secretKey: `test_sk_sbx_${account}`, mId: `sbx_${account}` };
}

/** PortOne keys of sandbox account `account`: `imp_sbx_<acct>`, `sbx_key_<acct>`, `sbx_secret_<acct>`. */
export function sandboxPortoneKeys(account: string): SandboxPortoneKeys {
  assertAccount(account);
  return { userCode: `imp_sbx_${account}`, impKey: `sbx_key_${account}`, impSecret: `sbx_secret_${account}` };
}

function accountAfter(prefix: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(prefix)) return undefined;
  const account = value.slice(prefix.length);
  return SANDBOX_ACCOUNT_PATTERN.test(account) ? account : undefined;
}

/** The account a Toss secret key belongs to, or undefined when it is not a sandbox secret key. */
export function accountOfTossSecretKey(secretKey: unknown): string | undefined {
  return accountAfter('test_sk_sbx_', secretKey);
}

/** The account a Toss client key belongs to, or undefined. */
export function accountOfTossClientKey(clientKey: unknown): string | undefined {
  return accountAfter('test_ck_sbx_', clientKey);
}

/** The account of a PortOne user code (`IMP.init` argument), or undefined. */
export function accountOfPortoneUserCode(userCode: unknown): string | undefined {
  return accountAfter('imp_sbx_', userCode);
}

/** The account of a PortOne imp_key/imp_secret pair; undefined unless both name the same account. */
export function accountOfPortoneKeyPair(impKey: unknown, impSecret: unknown): string | undefined {
  const a = accountAfter('sbx_key_', impKey);
  return a !== undefined && accountAfter('sbx_secret_', impSecret) === a ? a : undefined;
}

/**
 * Parses `Authorization: Basic base64(secretKey + ":")`. Returns the secret key, or undefined when the header is
 * missing, not Basic, not base64 of `<key>:` (Toss requires the colon: an empty password) or carries a password.
 */
export function secretKeyFromBasicAuth(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon !== decoded.length - 1) return undefined;
  return decoded.slice(0, colon);
}

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpEdgeConfig, resetEnvCache, securityConfig } from './configuration';

describe('configuration', () => {
  const saved = process.env;
  const cwd = process.cwd();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-spec-'));
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
    resetEnvCache();
  });
  const withEnv = <T>(env: Record<string, string>, fn: () => T): T => {
    process.env = { ...env };
    resetEnvCache();
    return fn();
  };

  it('keeps one development SECRETS_KEY across restarts on PostgreSQL too (a new one each start made stored credentials unreadable)', () => {
    const env = { NODE_ENV: 'development', DATABASE_URL: 'postgres://dev@127.0.0.1:5432/billing' };
    const first = withEnv(env, () => securityConfig().secretsKey);
    const second = withEnv(env, () => securityConfig().secretsKey);
    expect(second.equals(first)).toBe(true);
    const file = join(dir, 'data', '.secrets-key');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(first.toString('hex'));
  });

  it('still refuses a missing SECRETS_KEY in production', () => {
    expect(() =>
      withEnv(
        {
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://x@h/db',
          ADMIN_API_KEY: 'a'.repeat(24),
          PUBLIC_BASE_URL: 'https://x.example',
          TOSS_BASE_URL: 'https://t.example',
          PORTONE_BASE_URL: 'https://p.example',
        },
        () => securityConfig(),
      ),
    ).toThrow(/SECRETS_KEY/);
  });

  it('trusts no proxy by default and only valid addresses, CIDRs and keywords when TRUST_PROXY is set', () => {
    expect(withEnv({}, () => httpEdgeConfig().trustProxy)).toBe(false);
    expect(
      withEnv({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.10,loopback,2001:db8::/32' }, () => httpEdgeConfig().trustProxy),
    ).toEqual(['10.0.0.0/8', '192.0.2.10', 'loopback', '2001:db8::/32']);
    for (const bad of ['true', '*', '10.0.0.0/33', '300.1.1.1', '...', '10.0.0.1/8/1']) {
      expect(() => withEnv({ TRUST_PROXY: bad }, () => httpEdgeConfig())).toThrow(
        /^Invalid configuration: TRUST_PROXY/,
      );
    }
  });

  it('refuses a header deadline longer than the request deadline', () => {
    expect(() =>
      withEnv({ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' }, () => httpEdgeConfig()),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });
});

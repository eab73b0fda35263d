import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { securityConfig, type SecurityConfig } from '../../config/configuration';
import { SecretBox } from './secret-box';

export const WRONG_SECRETS_KEY =
  'Invalid configuration: SECRETS_KEY does not open the PG credentials stored in this database (they were sealed with another key); set SECRETS_KEY to the key they were sealed with';

/** One line naming the key ids the database needs and the process was not given. */
export function unknownSecretsKeys(ids: readonly string[]): string {
  return `Invalid configuration: SECRETS_KEYS (PG credentials in this database are sealed with key id ${ids.join(', ')}, which is not among the keys in SECRETS_KEYS or SECRETS_KEY; list that key after the current one in SECRETS_KEYS until npm run secrets:reseal has run)`;
}

interface SealedRow {
  merchant_id: string;
  gateway: string;
  ciphertext: string;
}

/** Throws the one-line error when the newest sealed credential does not open with `box`. */
export function assertOpens(box: SecretBox, row: SealedRow | undefined): void {
  if (!row) return;
  try {
    box.open(row.ciphertext, `${row.merchant_id}:${row.gateway}`);
  } catch {
    throw new Error(WRONG_SECRETS_KEY);
  }
}

/** Throws the one-line error when some key id in use is not among `box`'s keys. */
export function assertKnownKeyIds(box: SecretBox, ids: readonly string[]): void {
  const unknown = ids.filter((id) => !box.knows(id));
  if (unknown.length > 0) throw new Error(unknownSecretsKeys(unknown));
}

/** The distinct key ids of `v2.` values (the prefix up to the second dot), without reading every row into memory. */
const KEY_IDS_SQL =
  "SELECT DISTINCT substr(ciphertext, 4, 8) AS kid FROM merchant_gateway_credentials WHERE ciphertext LIKE 'v2.%'";

/**
 * Boot refuses a database whose PG credentials were sealed with a key it was not given: otherwise every charge for
 * those merchants fails later with a 500, long after the deploy that caused it. `v2.` values name their key, so each
 * key id in use is checked; a `v1.` value names none, so the newest one must open with one of the keys.
 */
@Injectable()
export class SecretsKeyCheck implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    let ids: Array<{ kid: string }>;
    let v1: SealedRow[];
    try {
      ids = (await this.dataSource.query(KEY_IDS_SQL)) as Array<{ kid: string }>;
      v1 = (await this.dataSource.query(
        "SELECT merchant_id, gateway, ciphertext FROM merchant_gateway_credentials WHERE ciphertext LIKE 'v1.%' ORDER BY updated_at DESC LIMIT 1",
      )) as SealedRow[];
    } catch {
      return; // schema not migrated yet: nothing sealed to check
    }
    const box = new SecretBox(this.security.secretsKeys);
    assertKnownKeyIds(
      box,
      ids.map((r) => r.kid),
    );
    assertOpens(box, v1[0]);
  }
}

import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { securityConfig, type SecurityConfig } from '../../config/configuration';
import { SecretBox } from './secret-box';

export const WRONG_SECRETS_KEY =
  'Invalid configuration: SECRETS_KEY does not open the PG credentials stored in this database (they were sealed with another key); set SECRETS_KEY to the key they were sealed with';

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

/**
 * Boot refuses a database whose PG credentials were sealed with another key: otherwise every charge for those
 * merchants fails later with a 500, long after the deploy that caused it.
 */
@Injectable()
export class SecretsKeyCheck implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    let rows: SealedRow[];
    try {
      rows = (await this.dataSource.query(
        'SELECT merchant_id, gateway, ciphertext FROM merchant_gateway_credentials ORDER BY updated_at DESC LIMIT 1',
      )) as SealedRow[];
    } catch {
      return; // schema not migrated yet: nothing sealed to check
    }
    assertOpens(new SecretBox(this.security.secretsKey), rows[0]);
  }
}

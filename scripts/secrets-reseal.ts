/**
 * `npm run secrets:reseal`: re-seals every merchant's PG credentials with the current key (the first of SECRETS_KEYS),
 * so the older keys can then be dropped. Safe while instances run (row by row, each write conditional on the value
 * read; see resealCredentials). Reads the same configuration as the app (.env, then the environment).
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { SecretBox } from '../src/common/crypto/secret-box';
import { resealCredentials } from '../src/common/crypto/secrets-reseal';
import { databaseConfig, securityConfig } from '../src/config/configuration';
import { loadEnvFile } from '../src/config/load-env-file';
import { buildDataSourceOptions } from '../src/database/database.options';

async function main(): Promise<void> {
  loadEnvFile();
  const box = new SecretBox(securityConfig().secretsKeys);
  const ds = await new DataSource({ ...buildDataSourceOptions(databaseConfig()), migrationsRun: false }).initialize();
  try {
    const summary = await resealCredentials(ds, box);
    process.stdout.write(`${JSON.stringify({ currentKeyId: box.currentKeyId, ...summary })}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error && err.message.startsWith('Invalid configuration') ? err.message : err;
  console.error(message);
  process.exit(1);
});

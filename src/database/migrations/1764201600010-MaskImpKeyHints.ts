import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PortOne's impKey was kept in full in merchant_gateway_credentials.hints (only secretKey and impSecret were
 * masked). It is half of the key pair that obtains a PortOne access token, so it is masked like them. The sealed
 * ciphertext is untouched. Not reversible: the plain value is gone from the hints on purpose.
 */
export class MaskImpKeyHints1764201600010 implements MigrationInterface {
  name = 'MaskImpKeyHints1764201600010';

  async up(q: QueryRunner): Promise<void> {
    const rows = (await q.query(`SELECT id, hints FROM merchant_gateway_credentials`)) as Array<{
      id: string;
      hints: string | null;
    }>;
    for (const row of rows) {
      const hints = row.hints ? (JSON.parse(row.hints) as Record<string, string>) : {};
      if (typeof hints.impKey !== 'string') continue;
      const masked = mask(hints.impKey);
      if (masked === hints.impKey) continue;
      // Raw SQL: a query builder on this table would apply the entity's simple-json encoding a second time.
      const [a, b] = q.connection.driver.options.type === 'postgres' ? ['$1', '$2'] : ['?', '?'];
      await q.query(`UPDATE merchant_gateway_credentials SET hints = ${a} WHERE id = ${b}`, [
        JSON.stringify({ ...hints, impKey: masked }),
        row.id,
      ]);
    }
  }

  async down(): Promise<void> {
    // Nothing to restore: the plain impKey is only in the sealed ciphertext.
  }
}

/** A frozen copy of maskSecret (src/common/crypto/secret-box.ts) as of this migration; idempotent on masked values. */
function mask(value: string, visible = 4): string {
  if (value.length <= visible * 2) return '•'.repeat(value.length);
  return `${'•'.repeat(8)}${value.slice(-visible)}`;
}

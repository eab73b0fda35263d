import type { DataSource } from 'typeorm';
import { rowsOf } from '../../database/bulk-update';
import type { SecretBox } from './secret-box';

export interface SealedCredentialRow {
  id: string;
  merchant_id: string;
  gateway: string;
  ciphertext: string;
}

export interface ResealSummary {
  /** Re-sealed with the current key. */
  resealed: number;
  /** Already sealed with the current key. */
  current: number;
  /** Changed by someone else between our read and our write (their value, sealed with the current key, stands). */
  changed: number;
}

const PAGE = 200;

/**
 * Re-seals every merchant's PG credentials with the box's current key, so older keys can be dropped from
 * SECRETS_KEYS. Safe while instances run: rows are read a page at a time (by id) and each is written back on its own,
 * only if it still holds the value we read, so a credential a merchant replaced meanwhile is never overwritten with
 * the old one. A value no configured key opens stops the run (nothing is lost: rows before it are done, and
 * running it again skips them).
 */
export async function resealCredentials(ds: DataSource, box: SecretBox): Promise<ResealSummary> {
  const summary: ResealSummary = { resealed: 0, current: 0, changed: 0 };
  const p = placeholders(ds);
  let after = '';
  for (;;) {
    const rows = (await ds.query(
      `SELECT id, merchant_id, gateway, ciphertext FROM merchant_gateway_credentials WHERE id > ${p(1)} ORDER BY id LIMIT ${PAGE}`,
      [after],
    )) as SealedCredentialRow[];
    for (const row of rows) summary[await resealRow(ds, box, row)]++;
    if (rows.length < PAGE) return summary;
    after = rows[rows.length - 1].id;
  }
}

/** One row: re-sealed unless already current; the write is conditional on the value read (see resealCredentials). */
export async function resealRow(
  ds: DataSource,
  box: SecretBox,
  row: SealedCredentialRow,
): Promise<'resealed' | 'current' | 'changed'> {
  if (box.isCurrent(row.ciphertext)) return 'current';
  const aad = `${row.merchant_id}:${row.gateway}`;
  const sealed = box.seal(box.open(row.ciphertext, aad), aad);
  const p = placeholders(ds);
  // RETURNING: the same answer shape on PostgreSQL and SQLite (≥ 3.35), whatever the driver reports for UPDATE.
  const updated = rowsOf(
    await ds.query(
      `UPDATE merchant_gateway_credentials SET ciphertext = ${p(1)} WHERE id = ${p(2)} AND ciphertext = ${p(3)} RETURNING id`,
      [sealed, row.id, row.ciphertext],
    ),
  );
  return updated.length === 1 ? 'resealed' : 'changed';
}

function placeholders(ds: DataSource): (n: number) => string {
  return ds.options.type === 'postgres' ? (n) => `$${n}` : () => '?';
}

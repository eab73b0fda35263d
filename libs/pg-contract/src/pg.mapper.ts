import type { DeclineKind } from './pg.outcomes';

/**
 * What a PG status means for us. The same four classes serve payment statuses (PortOne `paid`, Toss `DONE`) and
 * cancel statuses (Toss `cancelStatus`): SUCCEEDED (done), PENDING (will change), DECLINED (final refusal),
 * UNKNOWN (cannot tell: look it up).
 */
export type StatusClass = 'SUCCEEDED' | 'PENDING' | 'DECLINED' | 'UNKNOWN';

/** A class a status nobody listed may fall back to: never SUCCEEDED, never DECLINED. */
export type StatusFallback = 'PENDING' | 'UNKNOWN';

/** A frozen status mapping table: the PG's exact status strings, and what any other string means. */
export interface StatusTable {
  /** PG status (exact, case-sensitive) → class. */
  readonly entries: Readonly<Record<string, StatusClass>>;
  /** What an unlisted status (or a non-string) maps to. */
  readonly fallback: StatusFallback;
}

const CLASSES: readonly string[] = ['SUCCEEDED', 'PENDING', 'DECLINED', 'UNKNOWN'];
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Builds a {@link StatusTable}; throws for an entry with an invalid class or a fallback that could turn an unknown
 * status into success or failure. The fallback defaults to UNKNOWN.
 */
export function defineStatusTable(
  entries: Readonly<Record<string, StatusClass>>,
  fallback: StatusFallback = 'UNKNOWN',
): StatusTable {
  if (fallback !== 'PENDING' && fallback !== 'UNKNOWN') {
    throw new TypeError(
      `status table fallback must be PENDING or UNKNOWN, not ${String(fallback)}: an unknown status is never a success or a failure`,
    );
  }
  const copy: Record<string, StatusClass> = Object.create(null) as Record<string, StatusClass>;
  for (const [status, cls] of Object.entries(entries)) {
    if (!CLASSES.includes(cls))
      throw new TypeError(`status ${JSON.stringify(status)} maps to ${String(cls)}, not one of ${CLASSES.join(', ')}`);
    copy[status] = cls;
  }
  return Object.freeze({ entries: Object.freeze(copy), fallback });
}

/**
 * Maps a PG status through a table. Pure and total: any input (unlisted strings, `__proto__`, null, numbers) gets an
 * answer, and anything not listed gets the table's fallback, which is never SUCCEEDED.
 */
export function mapStatus(table: StatusTable, rawStatus: unknown): StatusClass {
  if (typeof rawStatus === 'string' && hasOwn(table.entries, rawStatus)) return table.entries[rawStatus];
  return table.fallback === 'PENDING' ? 'PENDING' : 'UNKNOWN';
}

/** A frozen decline-code table: the PG's codes known to be hard or soft, and the kind of any other code. */
export interface DeclineTable {
  /** PG code (exact) → kind. */
  readonly entries: Readonly<Record<string, DeclineKind>>;
  /** Kind of an unlisted code. */
  readonly fallback: DeclineKind;
}

/**
 * Builds a {@link DeclineTable}. The fallback defaults to `soft`: a decline we cannot classify may be retried by
 * dunning (a decline never charged anything, so a retry cannot double-charge), while `hard` would give up on a
 * payment method that may be fine.
 */
export function defineDeclineTable(
  entries: Readonly<Record<string, DeclineKind>>,
  fallback: DeclineKind = 'soft',
): DeclineTable {
  if (fallback !== 'hard' && fallback !== 'soft')
    throw new TypeError(`decline fallback must be hard or soft, not ${String(fallback)}`);
  const copy: Record<string, DeclineKind> = Object.create(null) as Record<string, DeclineKind>;
  for (const [code, kind] of Object.entries(entries)) {
    if (kind !== 'hard' && kind !== 'soft')
      throw new TypeError(`decline code ${JSON.stringify(code)} maps to ${String(kind)}, not hard or soft`);
    copy[code] = kind;
  }
  return Object.freeze({ entries: Object.freeze(copy), fallback });
}

/** The kind of a decline code. Total: unlisted codes and non-strings get the table's fallback. */
export function classifyDecline(table: DeclineTable, code: unknown): DeclineKind {
  if (typeof code === 'string' && hasOwn(table.entries, code)) return table.entries[code];
  return table.fallback;
}

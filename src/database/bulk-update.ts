import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** One row of a bulk update: the values it is matched on and the values it sets, by entity property name. */
export interface BulkRow {
  readonly match: Readonly<Record<string, unknown>>;
  readonly set: Readonly<Record<string, unknown>>;
}

/** Rows per statement on SQLite: a few thousand bound parameters at most, well inside its limit. */
const ROWS_PER_STATEMENT = 100;
/**
 * Rows per statement on PostgreSQL, where a statement binds one array per column (`unnest`), not one parameter per
 * value: a VALUES list of 64 charge intents (1,856 parameters) took 6.4–8.5 ms to insert on this machine, the same
 * rows as 30 arrays 3.7–5.2 ms (100 rows: 11–12 ms against 5.7–6.6 ms): each parameter and each VALUES tuple is work
 * for node-postgres (serialized one by one) and for PostgreSQL (bound, and the tuples parsed and planned). This bounds
 * only the size of one statement.
 */
const ROWS_PER_ARRAY_STATEMENT = 1000;

/**
 * Updates many rows with one `UPDATE … FROM (VALUES …)` statement per chunk (PostgreSQL: `FROM unnest(…)`, one array
 * per column, see ROWS_PER_ARRAY_STATEMENT), instead of one statement per row
 * (a billing batch records hundreds of results in one transaction). Every row must match and set the same
 * properties, in the same order; `where` adds conditions shared by all rows (SQL on alias `t`, no parameters).
 * Returns the primary keys (the first match property) of the rows that were updated, like `affected` per row.
 * Works on PostgreSQL (arrays cast to each column's type) and SQLite ≥ 3.35 (UPDATE … FROM and RETURNING).
 */
export async function bulkUpdate<E extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<E>,
  rows: readonly BulkRow[],
  where = '',
): Promise<Set<string>> {
  const updated = new Set<string>();
  if (rows.length === 0) return updated;
  const meta = m.connection.getMetadata(target);
  const driver = m.connection.driver;
  const postgres = driver.options.type === 'postgres';
  const matchProps = Object.keys(rows[0].match);
  const setProps = Object.keys(rows[0].set);
  const column = (prop: string): ColumnMetadata => {
    const c = meta.findColumnWithPropertyName(prop);
    if (!c) throw new Error(`bulkUpdate: ${meta.name} has no property ${prop}`);
    return c;
  };
  const matchCols = matchProps.map(column);
  const setCols = setProps.map(column);
  const all = [...matchCols, ...setCols];
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
  for (const r of rows) {
    if (!same(Object.keys(r.match), matchProps) || !same(Object.keys(r.set), setProps))
      throw new Error('bulkUpdate: rows differ in shape');
  }
  const q = (name: string) => `"${name}"`;
  // SQLite names VALUES columns column1…N; PostgreSQL's unnest takes a column list, each array cast to its column's type.
  const ref = (i: number) => (postgres ? `v.${q(`c${i}`)}` : `v.column${i + 1}`);
  const set = setCols.map((c, j) => `${q(c.databaseName)} = ${ref(matchCols.length + j)}`).join(', ');
  const on = matchCols.map((c, i) => `t.${q(c.databaseName)} = ${ref(i)}`).join(' AND ');
  const tail = `WHERE ${on}${where ? ` AND (${where})` : ''} RETURNING ${q(matchCols[0].databaseName)} AS id`;
  const valuesOf = (r: BulkRow) => [...matchProps.map((p) => r.match[p]), ...setProps.map((p) => r.set[p])];
  const perStatement = postgres ? ROWS_PER_ARRAY_STATEMENT : ROWS_PER_STATEMENT;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    let sql: string;
    let params: unknown[];
    if (postgres) {
      const columns = all.map(() => [] as unknown[]);
      for (const r of chunk) valuesOf(r).forEach((v, i) => columns[i].push(driver.preparePersistentValue(v, all[i])));
      params = columns;
      sql = `UPDATE ${q(meta.tableName)} AS t SET ${set} FROM unnest(${arrayParams(all, driver)}) AS v(${all.map((_, i) => q(`c${i}`)).join(', ')}) ${tail}`;
    } else {
      params = [];
      const tuples = chunk.map(
        (r) =>
          `(${valuesOf(r)
            .map((v, i) => (params.push(driver.preparePersistentValue(v, all[i])), '?'))
            .join(', ')})`,
      );
      sql = `UPDATE ${q(meta.tableName)} AS t SET ${set} FROM (VALUES ${tuples.join(', ')}) AS v ${tail}`;
    }
    for (const row of rowsOf(await m.query(sql, params))) updated.add(String(row.id));
  }
  return updated;
}

/** `$1::type[], $2::…` for PostgreSQL's unnest: each column's own type, without its length (the write still checks it). */
function arrayParams(cols: readonly ColumnMetadata[], driver: { normalizeType(c: ColumnMetadata): string }): string {
  // unnest flattens an array of arrays: a column that is itself an array cannot travel this way.
  const nested = cols.find((c) => c.isArray);
  if (nested) throw new Error(`bulk statements: ${nested.propertyName} is an array column (unnest would flatten it)`);
  return cols.map((c, i) => `$${i + 1}::${driver.normalizeType(c)}[]`).join(', ');
}

/** The rows of a raw query, whatever shape the driver returns them in (PostgreSQL UPDATE … RETURNING: [rows, count]). */
export function rowsOf(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as Array<Record<string, unknown>>;
  return Array.isArray(result) ? (result as Array<Record<string, unknown>>) : [];
}

/**
 * Inserts many entities with one multi-row `INSERT` per chunk (PostgreSQL: `INSERT … SELECT * FROM unnest(…)`, one
 * array per column), without the query builder's per-row cost (its
 * parameter bookkeeping is quadratic in the row count: ≈ 2 % of a billing run for 200 STC decisions a batch).
 * `onConflict: 'ignore'` leaves rows that would violate a unique constraint alone (`ON CONFLICT DO NOTHING`, as
 * TypeORM's `orIgnore()` does); `'error'` lets the statement fail, as `Repository.insert` does.
 * A property left undefined takes the column's declared default (or null): SQLite has no DEFAULT in VALUES lists.
 * Returns the primary keys of the rows inserted (with `'ignore'`, the entities that were not left out), from
 * `RETURNING` (PostgreSQL, SQLite ≥ 3.35).
 */
export async function bulkInsert<E extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<E>,
  entities: readonly E[],
  options: { onConflict: 'ignore' | 'error' },
): Promise<Set<string>> {
  const inserted = new Set<string>();
  if (entities.length === 0) return inserted;
  const meta = m.connection.getMetadata(target);
  if (meta.primaryColumns.length !== 1) throw new Error(`bulkInsert: ${meta.name} needs a single-column primary key`);
  const key = `"${meta.primaryColumns[0].databaseName}"`;
  const driver = m.connection.driver;
  const postgres = driver.options.type === 'postgres';
  const cols = meta.columns.filter((c) => c.isInsert);
  const names = cols.map((c) => `"${c.databaseName}"`).join(', ');
  const valueOf = (e: E, c: ColumnMetadata): unknown => {
    let v = c.getEntityValue(e);
    if (v === undefined) {
      if (typeof c.default === 'function')
        throw new Error(`bulkInsert: ${meta.name}.${c.propertyName} needs a value (its default is SQL)`);
      v = c.default ?? null;
    }
    return driver.preparePersistentValue(v, c);
  };
  const onConflict = options.onConflict === 'ignore' ? ' ON CONFLICT DO NOTHING' : '';
  const perStatement = postgres ? ROWS_PER_ARRAY_STATEMENT : ROWS_PER_STATEMENT;
  for (let start = 0; start < entities.length; start += perStatement) {
    const chunk = entities.slice(start, start + perStatement);
    let source: string;
    let params: unknown[];
    if (postgres) {
      // One array per column, rows in order (see ROWS_PER_ARRAY_STATEMENT); node-postgres serialises JS arrays.
      params = cols.map((c) => chunk.map((e) => valueOf(e, c)));
      source = `SELECT * FROM unnest(${arrayParams(cols, driver)})`;
    } else {
      params = [];
      source = `VALUES ${chunk.map((e) => `(${cols.map((c) => (params.push(valueOf(e, c)), '?')).join(', ')})`).join(', ')}`;
    }
    const rows = rowsOf(
      await m.query(`INSERT INTO "${meta.tableName}" (${names}) ${source}${onConflict} RETURNING ${key} AS id`, params),
    );
    for (const row of rows) inserted.add(String(row.id));
  }
  return inserted;
}

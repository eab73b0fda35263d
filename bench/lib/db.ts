import Database from 'better-sqlite3';
import { type BenchApp, withPg } from './app';

/** One scalar from the app's database (read directly: counting through the API would load the app under test). */
export async function scalar(app: BenchApp, sql: string): Promise<number> {
  if (app.engine === 'postgres')
    return withPg(app.database, async (c) => Number(Object.values((await c.query(sql)).rows[0])[0]));
  const db = new Database(app.database, { readonly: true });
  try {
    db.pragma('busy_timeout = 10000');
    return Number(Object.values(db.prepare(sql).get() as Record<string, unknown>)[0]);
  } finally {
    db.close();
  }
}

import { In, type FindOptionsWhere, type ObjectLiteral, type Repository } from 'typeorm';

/** Values per statement: each is a bound parameter, and both engines cap those well above this. */
const CHUNK = 500;

/** Every row whose `prop` is one of `values` (a batch's charges by merchant_uid, by id), a chunk per statement. */
export async function findIn<E extends ObjectLiteral, K extends keyof E & string>(
  repo: Repository<E>,
  prop: K,
  values: readonly E[K][],
): Promise<E[]> {
  const out: E[] = [];
  for (let start = 0; start < values.length; start += CHUNK) {
    const where = { [prop]: In(values.slice(start, start + CHUNK)) } as FindOptionsWhere<E>;
    out.push(...(await repo.findBy(where)));
  }
  return out;
}

import { Foundation1763856000000 } from './1763856000000-Foundation';

/** Every migration, in order. Listed explicitly so ts-node, jest and the compiled app all find the same set. */
export const migrations = [Foundation1763856000000];

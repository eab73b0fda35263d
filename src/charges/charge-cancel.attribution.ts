/** Above this many pending cancels on one charge, only an exact creation-order prefix is attributed (no search). */
const MAX_SUBSET_SEARCH = 12;

/**
 * Which pending cancels the PG's refunded total proves done, from `delta` = the PG's refunded total minus what the
 * charge already counts. Pure. Only an exact sum is proof: the one set of amounts that adds up to `delta` (the
 * earliest cancels carrying them). A cancel still in flight is pending too, and "the total
 * covers it" would credit the wrong one (a webhook after an immediate cancel, while an older cancel waits at the PG).
 * No exact or an ambiguous match: none (they wait for the next look-up, then review).
 */
export function cancelsProvenDone<T extends { readonly amount: number }>(pending: readonly T[], delta: number): T[] {
  if (!(delta > 0) || pending.length === 0) return [];
  if (pending.length > MAX_SUBSET_SEARCH) {
    let sum = 0;
    for (let i = 0; i < pending.length; i++) {
      sum += pending[i].amount;
      if (sum === delta) return pending.slice(0, i + 1);
      if (sum > delta) break;
    }
    return [];
  }
  let chosen: T[] | undefined;
  let chosenKey: string | undefined;
  // Masks in increasing order of their highest member: the first match uses the earliest cancels.
  for (let mask = 1; mask < 1 << pending.length; mask++) {
    let total = 0;
    const members: T[] = [];
    for (let i = 0; i < pending.length; i++) {
      if (mask & (1 << i)) {
        total += pending[i].amount;
        members.push(pending[i]);
      }
    }
    if (total !== delta) continue;
    const key = members
      .map((m) => m.amount)
      .sort((a, b) => a - b)
      .join(',');
    if (chosen === undefined) {
      chosen = members;
      chosenKey = key;
    } else if (key !== chosenKey) {
      return []; // two different sets of amounts explain the total: cannot tell which cancels are done
    }
  }
  return chosen ?? [];
}

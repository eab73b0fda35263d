/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Minimum and maximum, for the spread column. */
export function spread(xs: readonly number[], digits = 2): string {
  return `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
}

/** A number with thousands separators and at most `digits` decimals. */
export function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Bytes as MiB. */
export function mib(bytes: number): string {
  return `${fmt(bytes / 1024 / 1024, 0)} MiB`;
}

/** A markdown table. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `sleep(ms)` for polling loops; every loop that uses it is bounded by a deadline. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

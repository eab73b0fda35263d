/** `--name value` from argv, or the default. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** A comma-separated `--name a,b,c`. */
export function list(name: string, dflt: string): string[] {
  return arg(name, dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

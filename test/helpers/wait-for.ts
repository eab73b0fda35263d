export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it holds or `timeoutMs` passes; resolves to the last answer, never throws on timeout, so the
 * caller's own assertion reports what was missing. Use it against real servers and sockets instead of a fixed sleep.
 */
export async function waitFor(probe: () => boolean | Promise<boolean>, opts: WaitForOptions = {}): Promise<boolean> {
  const { timeoutMs = 5_000, intervalMs = 20 } = opts;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

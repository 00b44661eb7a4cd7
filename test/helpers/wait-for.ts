// Waiting for observable state in integration and end-to-end tests: poll an async check every
// 100 ms until it holds, failing with what was awaited after a deadline (never a fixed sleep, never
// a timing assertion).
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  await waitForValue(what, async () => ((await check()) ? true : undefined), timeoutMs);
}

/** Polls `fn` until it returns something other than undefined, and returns that. */
export async function waitForValue<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

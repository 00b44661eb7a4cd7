// Waiting for observable state in end-to-end tests: poll an async check every 100 ms until it holds,
// failing with what was awaited after a deadline (never a fixed sleep, never a timing assertion).
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

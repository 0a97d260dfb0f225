/**
 * Polls `check` every 20 ms until it returns something other than `undefined`, `null` or `false`, and returns
 * that value; throws `timed out waiting for <what>` after `timeoutMs`. The one polling helper of the repo's
 * tests: wait for a condition with a deadline instead of sleeping.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false)
      return value as Exclude<T, undefined | null | false>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

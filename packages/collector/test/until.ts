// Waiting for statistics to move: they reach the views with a delay (the stats collector before
// 15, the pending-stats flush from 15), so tests poll instead of sleeping a guessed time.

/** Call `fn` every 200 ms until it returns something other than `undefined` (at most ~20 s). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${what}`)
}

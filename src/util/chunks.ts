/**
 * Runs `work` over `items` in chunks of `size`, one chunk after the other, so
 * that thousands of breakers never put thousands of commands in flight at once
 * (each command has its own timeout; a burst would outrun it).
 */
export async function inChunks<T>(
  items: readonly T[],
  size: number,
  work: (chunk: readonly T[]) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await work(items.slice(start, start + size));
  }
}

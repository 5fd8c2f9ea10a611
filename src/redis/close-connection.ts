import type { RedisClient } from './connection-option.js';

/**
 * Closes one of the box's connections and resolves once its socket is gone
 * (ioredis status `end`), so that nothing of ours holds the event loop after
 * `box.close()`: QUIT when Redis answers within `timeoutMs`, else a plain
 * disconnect (a hung Redis never answers QUIT). Waits at most `timeoutMs`
 * more for the socket to close. Never rejects.
 */
export async function closeConnection(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<true>((resolve) => {
    client.once('end', () => {
      resolve(true);
    });
  });
  const quitted = client.quit().then(
    () => true,
    () => false,
  );
  if (!(await within(quitted, timeoutMs))) client.disconnect();
  // After QUIT's reply the server closes the socket; disconnect() closes it at once.
  // A connection between reconnect attempts has no socket and never emits `end`.
  await within(ended, timeoutMs);
}

/** `promise`'s value, or false once `ms` have passed (the timer is cleared either way). */
async function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

import type { Redis } from 'ioredis';

/**
 * Closes one of the box's connections and resolves once its socket is gone
 * (ioredis status `end`), so that nothing of ours holds the event loop after
 * `box.close()`: QUIT when Redis answers within `timeoutMs`, else a plain
 * disconnect (a hung Redis never answers QUIT). Never rejects.
 */
export async function closeConnection(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => {
    client.once('end', resolve);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  const quitted = client.quit().then(
    () => true,
    () => false,
  );
  if (!(await Promise.race([quitted, timedOut]))) client.disconnect();
  // After QUIT's reply the server closes the socket at once; disconnect() closes it ourselves.
  if (!(await Promise.race([ended.then(() => true), timedOut]))) client.disconnect();
  clearTimeout(timer);
}

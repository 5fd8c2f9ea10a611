/** A minimal server-sent events reader over fetch, for tests. */

/** One event as the stream sent it. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** An open event stream: read events in order, see comments, end it. */
export interface SseStream {
  readonly status: number;
  readonly contentType: string | null;
  /** Comment lines (`: heartbeat`) seen so far. */
  readonly comments: string[];
  /** Resolves with the next event `match` accepts (skipping others); rejects after `timeoutMs`. */
  next(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves true once the server ended the stream, false after `timeoutMs`. */
  ended(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** Opens `url` as an event stream. */
export async function openSse(url: string): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  if (res.body === null) throw new Error('no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const comments: string[] = [];
  const queue: SseEvent[] = [];
  let buffer = '';
  const state = { done: false };
  let wake: (() => void) | undefined;
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += chunk.value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) queue.push({ event, data: data.join('\n') });
        }
        wake?.();
      }
    } catch {
      // Aborted by close().
    }
    state.done = true;
    wake?.();
  };
  void pump();
  const waitChange = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    comments,
    async next(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex(match);
        if (index >= 0) {
          // Events before the match are skipped.
          const skippedAndFound = queue.splice(0, index + 1);
          return skippedAndFound[index];
        }
        if (state.done) throw new Error('stream ended before the event came');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out waiting for an event');
        await waitChange(left);
      }
    },
    async ended(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!state.done && Date.now() < deadline) await waitChange(deadline - Date.now());
      return state.done;
    },
    close() {
      controller.abort();
    },
  };
}

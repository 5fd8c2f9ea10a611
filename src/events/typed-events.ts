/** A listener of one event. */
export type Listener<T> = (payload: T) => void;

/** Unsubscribes a listener. */
export type Unsubscribe = () => void;

/**
 * A small typed event hub. A listener that throws never breaks the emitter:
 * the error goes to `onListenerError` and the other listeners still run.
 */
export class TypedEvents<Events extends object> {
  private readonly listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  constructor(private readonly onListenerError: (error: unknown, event: keyof Events) => void) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Unsubscribe {
    let set = this.listeners[event];
    if (set === undefined) this.listeners[event] = set = new Set();
    set.add(listener);
    return () => {
      this.off(event, listener);
    };
  }

  /** Removes a listener. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners[event]?.delete(listener);
  }

  /** Calls every listener of `event` with `payload`. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners[event];
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    for (const key of Object.keys(this.listeners) as (keyof Events)[]) {
      this.listeners[key]?.clear();
    }
  }
}

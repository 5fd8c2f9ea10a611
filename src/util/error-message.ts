/** The most characters of an error's description kept (in logs and in the shared record). */
export const ERROR_MESSAGE_MAX = 500;

/**
 * A short, log-safe description of anything thrown. Never throws: a value
 * whose `name`, `message`, `toString` or prototype misbehaves (a
 * null-prototype object, a throwing getter, a hostile Proxy) is described as
 * well as it can be, and a huge message is cut to {@link ERROR_MESSAGE_MAX}
 * characters before it is concatenated.
 */
export function errorMessage(error: unknown): string {
  try {
    if (typeof error === 'string') return cut(error);
    if (error instanceof Error) {
      const name = field(error, 'name') ?? 'Error';
      const message = field(error, 'message');
      return cut(message === undefined ? `${name}: (unreadable message)` : `${name}: ${message}`);
    }
    return cut(String(error));
  } catch {
    return describeType(error);
  }
}

/** A string field of an error, cut before use; undefined when reading it throws or it is not a string. */
function field(error: Error, key: 'name' | 'message'): string | undefined {
  try {
    const value: unknown = error[key];
    return typeof value === 'string' ? value.slice(0, ERROR_MESSAGE_MAX) : undefined;
  } catch {
    return undefined;
  }
}

function cut(text: string): string {
  return text.length > ERROR_MESSAGE_MAX ? text.slice(0, ERROR_MESSAGE_MAX) : text;
}

function describeType(error: unknown): string {
  try {
    return `(unprintable ${Object.prototype.toString.call(error)})`;
  } catch {
    return `(unprintable ${typeof error})`;
  }
}

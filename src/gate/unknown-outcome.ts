import { isBreakerBoxError } from '../errors/breakerbox-error.js';

/** Error codes of Node, undici and ioredis that mean "the connection failed": the outcome is unknown. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_HTTP2_STREAM_CANCEL',
]);

/** Error names meaning the call was cut short, not answered. */
const CUT_SHORT_NAMES: ReadonlySet<string> = new Set([
  'AbortError',
  'TimeoutError',
  'MaxRetriesPerRequestError',
]);

/** Breakerbox codes that say nothing about the other side: a timeout, a refusal, Redis trouble. */
const UNKNOWN_CODES: ReadonlySet<string> = new Set([
  'CALL_TIMEOUT',
  'DEPENDENCY_UNHEALTHY',
  'REDIS_UNAVAILABLE',
  'BREAKERBOX_CLOSED',
]);

/**
 * What kind of unknown outcome `error` is (`timeout`, `abort`, `refusal`,
 * `connection error`), or undefined when it is a real answer from the other
 * side. Follows `cause` chains (as `fetch` wraps its socket errors).
 */
export function unknownOutcomeKind(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 5) return undefined;
  if (isBreakerBoxError(error) && UNKNOWN_CODES.has(error.code)) {
    switch (error.code) {
      case 'CALL_TIMEOUT':
        return 'timeout';
      case 'DEPENDENCY_UNHEALTHY':
        return 'refusal';
      default:
        return 'redis or connection error';
    }
  }
  const record = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (typeof record.name === 'string' && CUT_SHORT_NAMES.has(record.name))
    return record.name === 'AbortError' ? 'abort' : 'timeout';
  if (typeof record.code === 'string' && CONNECTION_CODES.has(record.code))
    return record.code.includes('TIMEOUT') || record.code === 'ETIMEDOUT'
      ? 'timeout'
      : 'connection error';
  if (record.message === 'Connection is closed.') return 'connection error';
  return unknownOutcomeKind(record.cause, depth + 1);
}

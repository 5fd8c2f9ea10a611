/** A short, log-safe description of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  if (typeof error === 'string') return error.slice(0, 500);
  return String(error).slice(0, 500);
}

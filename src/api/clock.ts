/**
 * The library's one read of the clock: the time an SNN file records as made. The API layer is an entry point,
 * as the CLI is; the layers below take the time from their callers.
 */
export function nowIso(): string {
  return new Date().toISOString();
}

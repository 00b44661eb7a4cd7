// Bounds how much of a client's own input an error message echoes back. Pure; any thread.
// A Service named with 100 KB of text used to come back four times in its 422 (message, cause,
// details), a 400 KB answer; a client needs only enough of a value to recognise it.

/** Characters of one echoed value shown before it is cut. */
export const ECHO_LIMIT = 256;

/** `text` when short enough, else its first `max` characters and how long it was. */
export function truncateForMessage(text: string, max = ECHO_LIMIT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}...(${text.length} characters, truncated)`;
}

// Bearer-token check for the admin API. Pure; main thread.
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * true when `authorization` is `Bearer <token>`. Both sides are hashed first so the comparison is
 * constant-time regardless of length (timingSafeEqual needs equal lengths, and an early length
 * check would leak the token's length).
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  if (!authorization) return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  const given = createHash('sha256').update(m ? m[1] : '').digest();
  const want = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, want) && m !== null;
}

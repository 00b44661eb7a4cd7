// Refuses requests a browser was tricked into sending. Main thread; pure given the request headers.
//
// DNS rebinding: a page on attacker.example re-points its own name at 127.0.0.1 and then reaches
// the admin API from the victim's browser as "same-origin"; the only trace is the Host header,
// which still names attacker.example. Without a token the admin API is open to anything that
// reaches it, so it accepts only Host values that name a loopback address (or `localhost`); with a
// token the check is moot (the page cannot know the token). Cross-site writes: a page anywhere can
// POST a form or fire a fetch at 127.0.0.1; browsers label those with an Origin header, so a write
// whose Origin is not the server's own is refused. Clients that are not browsers (kubectl, curl,
// switchyard) send no Origin and are not affected.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../model/api-error.ts';
import { isLoopbackHost } from './is-loopback-host.ts';

export interface HostOriginGuardOptions {
  /** The address and port the admin API listens on (for messages). */
  address: string;
  port: number;
  /** A bearer token is required: any Host is accepted. */
  tokenRequired: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `host[:port]` of a Host header or URL authority, lower-cased, without a default port. */
function authority(value: string, scheme = 'http:'): { host: string; port: string } | undefined {
  try {
    const u = new URL(`${scheme}//${value}`);
    if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return undefined;
    return { host: u.hostname.toLowerCase(), port: u.port };
  } catch {
    return undefined;
  }
}

/** Shows at most 100 characters of what the client sent. */
function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

/** A checker: the ApiError (403) to answer, or undefined when the request may go on. */
export function hostOriginGuard(o: HostOriginGuardOptions): (method: string, headers: IncomingHttpHeaders) => ApiError | undefined {
  const self = `http://${o.address.includes(':') ? `[${o.address}]` : o.address}:${o.port}`;
  return (method, headers) => {
    const host = headers.host ?? '';
    const hostAuthority = authority(host);
    if (!o.tokenRequired && !(hostAuthority && isLoopbackHost(hostAuthority.host))) {
      return new ApiError(403, 'Forbidden', 'SY_FORBIDDEN_HOST',
        `the Host header ${shown(host)} does not name this server: without a token the admin API answers only requests addressed to a ` +
        `loopback address or localhost (a web page may be reaching it through DNS rebinding). Use ${self}, or start the server with --token-file`);
    }
    const origin = headers.origin;
    if (origin === undefined || SAFE_METHODS.has(method)) return undefined;
    // Same origin: the Origin's scheme-less authority is the Host the request was sent to.
    let same = false;
    if (origin !== 'null') {
      try {
        const u = new URL(origin);
        const o2 = authority(u.host, u.protocol);
        same = (u.protocol === 'http:' || u.protocol === 'https:') && !!o2 && !!hostAuthority
          && o2.host === hostAuthority.host && o2.port === hostAuthority.port;
      } catch { same = false; }
    }
    if (same) return undefined;
    return new ApiError(403, 'Forbidden', 'SY_FORBIDDEN_ORIGIN',
      `cross-site ${method} refused: the Origin ${shown(origin)} is not this server's own (${self}); the admin API takes changes from ` +
      'browsers only on its own pages. kubectl, curl and switchyard send no Origin and are not affected');
  };
}
